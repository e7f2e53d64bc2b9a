"""Action items: what a meeting decided someone will do, by when, and whether it was done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from partnerhub.audit.services import record
from partnerhub.auth.models import User
from partnerhub.errors import DomainError
from partnerhub.identifiers import screen
from partnerhub.meetings.models import (
    ActionItem,
    ActionItemStatus,
    Meeting,
)
from partnerhub.partnerships.models import Partnership


@dataclass
class ActionItemData:
    title: str
    owner_membership_id: int | None = None
    owner_agency_id: int | None = None
    due_on: date | None = None
    keep_reason: str | None = None  # why a title that may identify a youth must stay


def add_action_item(
    session: Session,
    actor: User,
    partnership: Partnership,
    data: ActionItemData,
    now: datetime,
    meeting: Meeting | None = None,
) -> ActionItem:
    """Record an action item, from a meeting or on its own."""
    if data.owner_membership_id is None and data.owner_agency_id is None:
        raise DomainError("Name an owner: a member, an agency, or both.")
    screen(
        session,
        partnership.id,
        [data.title],
        keep_reason=data.keep_reason,
        actor=actor,
        now=now,
        what="an action item",
    )
    item = ActionItem(
        partnership_id=partnership.id,
        meeting_id=meeting.id if meeting else None,
        title=data.title,
        owner_membership_id=data.owner_membership_id,
        owner_agency_id=data.owner_agency_id,
        due_on=data.due_on,
    )
    session.add(item)
    session.flush()
    record(
        session,
        actor,
        "action_item.added",
        item,
        f"Action item “{item.title}”" + (f" due {item.due_on:%d %b %Y}" if item.due_on else ""),
        now,
        partnership_id=partnership.id,
    )
    return item


def set_action_item_status(
    session: Session, actor: User, item: ActionItem, status: ActionItemStatus, now: datetime
) -> ActionItem:
    """Mark an action item done, dropped, or open again."""
    if item.status is status:
        return item
    item.status = status
    item.completed_at = now if status is ActionItemStatus.DONE else None
    record(
        session,
        actor,
        "action_item.status",
        item,
        f"Action item “{item.title}” is now {status.value}",
        now,
        partnership_id=item.partnership_id,
    )
    return item


def open_action_items(session: Session, partnership_id: int) -> list[ActionItem]:
    """The partnership's open action items, soonest due first, with their owners."""
    return list(
        session.scalars(
            select(ActionItem)
            .where(
                ActionItem.partnership_id == partnership_id,
                ActionItem.status == ActionItemStatus.OPEN,
            )
            .options(*ACTION_ITEM_OWNERS)
            .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)
        )
    )


ACTION_ITEM_OWNERS = (
    selectinload(ActionItem.owner_membership),
    selectinload(ActionItem.owner_agency),
)
