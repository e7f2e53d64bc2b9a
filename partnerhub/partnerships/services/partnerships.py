"""Partnerships: creating and changing them, and the dashboard of a person's partnerships.

Every change is recorded in the audit trail in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import Select, bindparam, inspect, select
from sqlalchemy.orm import Session

from partnerhub.audit.services import record
from partnerhub.auth.models import User
from partnerhub.errors import Conflict, DomainError
from partnerhub.partnerships.models import (
    Membership,
    Partnership,
    Role,
    Stage,
)
from partnerhub.partnerships.owners import Owners
from partnerhub.partnerships.registry import registry
from partnerhub.partnerships.snapshot import (
    fact_columns,
    fact_parameters,
    fact_values,
    facts_key,
    memberships_key,
    share,
    shared_reads,
)


def local_today(partnership: Partnership, now: datetime) -> date:
    """The date it is now where the partnership meets."""
    return now.astimezone(ZoneInfo(partnership.timezone)).date()


@dataclass
class PartnershipDetails:
    """What a facilitator fills in to create or edit a partnership."""

    name: str
    community: str
    purpose: str
    timezone: str
    absence_flag_after: int = 3


def _apply_details(session: Session, partnership: Partnership, details: PartnershipDetails):
    name = details.name.strip()
    if details.timezone not in available_timezones():
        raise DomainError(f"{details.timezone} is not a known time zone.")
    same_name = select(Partnership.id).where(Partnership.name_key == name.lower())
    if partnership.id is not None:
        same_name = same_name.where(Partnership.id != partnership.id)
    taken = session.scalar(same_name)
    if taken is not None:
        raise Conflict(f"A partnership named {name} already exists. Choose another name.")
    partnership.name = name
    partnership.name_key = name.lower()
    partnership.community = details.community.strip()
    partnership.purpose = details.purpose.strip()
    partnership.timezone = details.timezone
    partnership.absence_flag_after = details.absence_flag_after


def create_partnership(
    session: Session, actor: User, details: PartnershipDetails, now: datetime
) -> Partnership:
    """Start a partnership; its creator becomes its first facilitator."""
    partnership = Partnership(created_by_id=actor.id, stage=Stage.PARTNER)
    _apply_details(session, partnership, details)
    session.add(partnership)
    session.flush()
    session.add(
        Membership(
            partnership_id=partnership.id, user_id=actor.id, role=Role.FACILITATOR, joined_at=now
        )
    )
    record(
        session,
        actor,
        "partnership.created",
        partnership,
        f"Created the partnership {partnership.name}",
        now,
        partnership_id=partnership.id,
    )
    return partnership


def update_partnership(
    session: Session,
    actor: User,
    partnership: Partnership,
    details: PartnershipDetails,
    now: datetime,
) -> None:
    """Change a partnership's name, community, purpose, time zone or absence setting."""
    _apply_details(session, partnership, details)
    changed = changed_fields(session, partnership)
    if changed:
        record(
            session,
            actor,
            "partnership.updated",
            partnership,
            f"Changed {', '.join(sorted(changed))}",
            now,
            partnership_id=partnership.id,
            details=changed,
        )


def changed_fields(session: Session, obj) -> dict[str, list]:
    """The attributes of `obj` changed in this transaction: name -> [old, new]."""
    changes = {}
    for attr in inspect(obj).attrs:
        history = attr.history
        if history.has_changes() and attr.key not in ("updated_at", "name_key"):
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            changes[attr.key] = [_plain(old), _plain(new)]
    return changes


def _plain(value):
    if hasattr(value, "value"):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


# --- dashboard ---


@dataclass
class DashboardRow:
    partnership: Partnership
    membership: Membership
    attention: list


def my_partnerships(session: Session, user: User) -> list[tuple[Partnership, Membership]]:
    """The user's partnerships, by name, with their active membership in each."""
    return [(p, m) for p, m in session.execute(_my_partnerships(), {"user_id": user.id})]


@cache
def _my_partnerships() -> Select:
    # built once, and once more with the facts for the dashboard: building that statement and
    # its key in SQLAlchemy's cache (a dozen subqueries) took a third of a millisecond a request
    return (
        select(Partnership, Membership)
        .join(Membership, Membership.partnership_id == Partnership.id)
        .where(Membership.user_id == bindparam("user_id"), Membership.left_at.is_(None))
        .order_by(Partnership.name)
    )


@cache
def _my_partnerships_with_facts(facts: tuple) -> Select:
    return _my_partnerships().add_columns(*facts)


def dashboard(session: Session, user: User, today: date) -> list[DashboardRow]:
    """The user's partnerships with their role and what needs attention, in a few queries
    (the partnerships' facts are read with them)."""
    query = _my_partnerships_with_facts(fact_columns())
    read = session.execute(query, {"user_id": user.id, **fact_parameters(today)}).all()
    rows = [(row[0], row[1]) for row in read]
    ids = [partnership.id for partnership, _ in rows]
    attention = defaultdict(list)
    with shared_reads(session):
        share(session, memberships_key(user.id), {p.id: m for p, m in rows})
        share(session, facts_key(ids, today), {row[0].id: fact_values(row) for row in read})
        items = [
            item
            for source in (registry.attention_sources if ids else ())
            for item in source(session, ids, today)
        ]
    owners = Owners(session, [ref for item in items for ref in item.owned_by])
    for item in items:
        if item.owned_by:
            item = replace(item, owner=owners.named(item.owned_by))
        attention[item.partnership_id].append(item)
    return [DashboardRow(p, m, attention[p.id]) for p, m in rows]
