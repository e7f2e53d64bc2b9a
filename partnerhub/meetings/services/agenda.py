"""A meeting's agenda: items proposed, accepted, ordered, linked to what they review, and
carried forward from the meeting before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from partnerhub.agreements.models import Agreement
from partnerhub.audit.services import record
from partnerhub.auth.models import User
from partnerhub.errors import DomainError, InvalidTransition
from partnerhub.identifiers import screen
from partnerhub.meetings.models import (
    AgendaItem,
    AgendaItemKind,
    AgendaItemStatus,
    Meeting,
    MeetingStatus,
)
from partnerhub.meetings.services.action_items import open_action_items
from partnerhub.partnerships.models import Membership
from partnerhub.permissions import MANAGE, can
from partnerhub.procedures.models import Procedure
from partnerhub.questions.models import Question, QuestionStatus


@dataclass
class AgendaItemData:
    title: str
    minutes: int
    kind: AgendaItemKind
    presenter_id: int | None = None
    procedure_id: int | None = None  # the procedure or agreement a review item is about
    agreement_id: int | None = None
    keep_reason: str | None = None  # why a title that may identify a youth must stay


def _require_open_agenda(meeting: Meeting) -> None:
    if meeting.is_cancelled:
        raise InvalidTransition("The meeting is cancelled.")
    if meeting.minutes is not None and meeting.minutes.is_final:
        raise InvalidTransition("The minutes are final; reopen them to change the agenda.")


def add_agenda_item(
    session: Session, membership: Membership, meeting: Meeting, data: AgendaItemData, now: datetime
) -> AgendaItem:
    """Add an item; a facilitator's is on the agenda at once, a member's is a proposal."""
    _require_open_agenda(meeting)
    _screen_title(session, membership.user, meeting, data, now)
    facilitator = can(membership, MANAGE)
    item = AgendaItem(
        meeting_id=meeting.id,
        position=len(meeting.agenda_items) + 1,
        title=data.title,
        minutes=data.minutes,
        kind=data.kind,
        presenter_id=data.presenter_id,
        status=AgendaItemStatus.ACCEPTED if facilitator else AgendaItemStatus.PROPOSED,
        proposed_by_id=None if facilitator else membership.id,
    )
    _link_subject(session, meeting, item, data)
    meeting.agenda_items.append(item)
    session.flush()
    verb = "Added" if facilitator else "Proposed"
    _record_item(session, membership.user, "agenda_item.added", item, meeting, verb, now)
    return item


def _link_subject(session: Session, meeting: Meeting, item: AgendaItem, data) -> None:
    """Link the item to the procedure or agreement it reviews, of this partnership only."""
    for model, key in ((Procedure, "procedure_id"), (Agreement, "agreement_id")):
        subject_id = getattr(data, key)
        if subject_id is not None:
            subject = session.get(model, subject_id)
            if subject is None or subject.partnership_id != meeting.partnership_id:
                raise DomainError("Choose a procedure or agreement of this partnership.")
        setattr(item, key, subject_id)


def _record_item(session, actor, action, item, meeting, verb, now) -> None:
    record(
        session,
        actor,
        action,
        item,
        f"{verb} agenda item “{item.title}” for {meeting.title}",
        now,
        partnership_id=meeting.partnership_id,
    )


def edit_agenda_item(
    session: Session, actor: User, item: AgendaItem, data: AgendaItemData, now: datetime
) -> AgendaItem:
    """Change an item's title, time, kind or presenter."""
    _require_open_agenda(item.meeting)
    _screen_title(session, actor, item.meeting, data, now)
    item.title = data.title
    item.minutes = data.minutes
    item.kind = data.kind
    item.presenter_id = data.presenter_id
    _link_subject(session, item.meeting, item, data)
    _record_item(session, actor, "agenda_item.edited", item, item.meeting, "Changed", now)
    return item


def _screen_title(
    session: Session, actor: User, meeting: Meeting, data: AgendaItemData, now: datetime
) -> None:
    screen(
        session,
        meeting.partnership_id,
        [data.title],
        keep_reason=data.keep_reason,
        actor=actor,
        now=now,
        what=f"an agenda item of {meeting.title}",
    )


def accept_agenda_item(session: Session, actor: User, item: AgendaItem, now: datetime) -> None:
    """Put a member's proposed item on the agenda."""
    _require_open_agenda(item.meeting)
    item.status = AgendaItemStatus.ACCEPTED
    _record_item(session, actor, "agenda_item.accepted", item, item.meeting, "Accepted", now)


def remove_agenda_item(session: Session, actor: User, item: AgendaItem, now: datetime) -> None:
    """Take an item off the agenda; the others close up."""
    meeting = item.meeting
    _require_open_agenda(meeting)
    _record_item(session, actor, "agenda_item.removed", item, meeting, "Removed", now)
    meeting.agenda_items.remove(item)
    for position, other in enumerate(meeting.agenda_items, start=1):
        other.position = position


def move_agenda_item(
    session: Session, actor: User, item: AgendaItem, step: int, now: datetime
) -> None:
    """Move an item one place up (-1) or down (+1) the agenda."""
    _require_open_agenda(item.meeting)
    _record_item(session, actor, "agenda_item.moved", item, item.meeting, "Moved", now)
    items = sorted(item.meeting.agenda_items, key=lambda i: i.position)
    index = items.index(item)
    other = index + step
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for position, each in enumerate(items, start=1):
        each.position = position


def reorder_agenda(
    session: Session, actor: User, meeting: Meeting, item_ids: list[int], now: datetime
) -> None:
    """Put the agenda in the order given: every item of this meeting, each once."""
    _require_open_agenda(meeting)
    items = {item.id: item for item in meeting.agenda_items}
    if len(item_ids) != len(items) or set(item_ids) != set(items):
        raise DomainError(
            "The new order must list every item of this agenda once. "
            "Reload the page to see the agenda as it is now, and move the items again."
        )
    for position, item_id in enumerate(item_ids, start=1):
        items[item_id].position = position
    meeting.agenda_items.sort(key=lambda item: item.position)
    record(
        session,
        actor,
        "agenda.reordered",
        meeting,
        f"Reordered the agenda of {meeting.title}",
        now,
        partnership_id=meeting.partnership_id,
    )


def start_agenda_item(session: Session, actor: User, item: AgendaItem, now: datetime) -> None:
    """Start the item's clock; the item running until now stops."""
    meeting = item.meeting
    _require_open_agenda(meeting)
    if item.is_proposed:
        raise InvalidTransition("Accept the proposed item before discussing it.")
    for other in meeting.agenda_items:
        if other.is_running and other is not item:
            other.ended_at = now
    item.started_at, item.ended_at = now, None
    _record_item(session, actor, "agenda_item.started", item, meeting, "Started", now)


def next_agenda_item(
    session: Session, actor: User, meeting: Meeting, now: datetime
) -> AgendaItem | None:
    """Stop the running item and start the next one on the agenda; None at the end."""
    _require_open_agenda(meeting)
    accepted = [i for i in meeting.agenda_items if not i.is_proposed]
    running = next((i for i in accepted if i.is_running), None)
    if running is None:
        following = next((i for i in accepted if i.started_at is None), None)
    else:
        running.ended_at = now
        index = accepted.index(running)
        following = accepted[index + 1] if index + 1 < len(accepted) else None
    if following is not None:
        start_agenda_item(session, actor, following, now)
    elif running is not None:
        _record_item(session, actor, "agenda_item.ended", running, meeting, "Ended", now)
    return following


def earlier_than(earlier, meeting) -> tuple:
    """Criteria: `earlier` (Meeting or an alias) is a meeting of the same partnership before
    `meeting` (a meeting, or the Meeting of an enclosing query), not cancelled."""
    return (
        earlier.partnership_id == meeting.partnership_id,
        earlier.starts_at < meeting.starts_at,
        earlier.status != MeetingStatus.CANCELLED,
    )


def previous_meeting(session: Session, meeting: Meeting) -> Meeting | None:
    """The partnership's last meeting before this one that was not cancelled."""
    return session.scalars(
        select(Meeting)
        .where(*earlier_than(Meeting, meeting))
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    ).first()


def carry_forward(
    session: Session, actor: User, meeting: Meeting, now: datetime
) -> tuple[int, int]:
    """Put the last meeting's unfinished items and the open action items on this agenda.

    Returns how many agenda items and action items were carried; carrying twice adds nothing,
    and an item already on the agenda (a standing item of the series) is not added again.
    """
    _require_open_agenda(meeting)
    previous = previous_meeting(session, meeting)
    carried_ids = {i.carried_from_id for i in meeting.agenda_items}
    titles = {i.title.strip().casefold() for i in meeting.agenda_items}
    unfinished = []
    if previous is not None:
        unfinished = session.scalars(
            select(AgendaItem)
            .outerjoin(Question, Question.id == AgendaItem.question_id)
            .where(
                AgendaItem.meeting_id == previous.id,
                AgendaItem.status == AgendaItemStatus.ACCEPTED,
                AgendaItem.is_finished.is_(False),
                # A question answered since is settled, whatever the minutes said.
                or_(AgendaItem.question_id.is_(None), Question.status == QuestionStatus.OPEN),
            )
            .order_by(AgendaItem.position)
        ).all()
    items = [_carried(old) for old in unfinished if not _already_on(old, carried_ids, titles)]
    actions = [
        AgendaItem(
            title=title,
            minutes=5,
            kind=AgendaItemKind.REPORT,
            presenter_id=action.owner_membership_id,
        )
        for action in open_action_items(session, meeting.partnership_id)
        if (title := f"Follow-up: {action.title}"[:200]).strip().casefold() not in titles
    ]
    for item in items + actions:
        _append(meeting, item)
    if items or actions:
        record(
            session,
            actor,
            "meeting.carried_forward",
            meeting,
            f"Carried {len(items)} agenda and {len(actions)} action items to {meeting.title}",
            now,
            partnership_id=meeting.partnership_id,
        )
    return len(items), len(actions)


def next_meeting_after(session: Session, meeting: Meeting) -> Meeting | None:
    """The partnership's first meeting after this one that is not cancelled."""
    return session.scalars(
        select(Meeting)
        .where(
            Meeting.partnership_id == meeting.partnership_id,
            Meeting.starts_at > meeting.starts_at,
            Meeting.status != MeetingStatus.CANCELLED,
        )
        .order_by(Meeting.starts_at)
        .limit(1)
    ).first()


def carry_to_next_meeting(
    session: Session, actor: User, item: AgendaItem, now: datetime
) -> Meeting:
    """Put this unfinished item on the next meeting's agenda, as carrying forward would."""
    meeting = item.meeting
    if item.is_proposed:
        raise InvalidTransition("Accept the proposed item before carrying it.")
    following = next_meeting_after(session, meeting)
    if following is None:
        raise InvalidTransition("There is no next meeting yet: schedule it, then carry the item.")
    _require_open_agenda(following)
    carried_ids = {i.carried_from_id for i in following.agenda_items}
    titles = {i.title.strip().casefold() for i in following.agenda_items}
    if _already_on(item, carried_ids, titles):
        raise InvalidTransition(f"“{item.title}” is already on the next meeting's agenda.")
    item.is_finished = False
    _append(following, _carried(item))
    _record_item(session, actor, "agenda_item.carried", item, following, "Carried", now)
    return following


def _carried(old: AgendaItem) -> AgendaItem:
    """A copy of an unfinished item for a later meeting's agenda."""
    return AgendaItem(
        title=old.title,
        minutes=old.minutes,
        kind=old.kind,
        presenter_id=old.presenter_id,
        carried_from_id=old.id,
        question_id=old.question_id,
    )


def _already_on(old: AgendaItem, carried_ids: set, titles: set) -> bool:
    return old.id in carried_ids or old.title.strip().casefold() in titles


def _append(meeting: Meeting, item: AgendaItem) -> None:
    item.position = len(meeting.agenda_items) + 1
    meeting.agenda_items.append(item)
