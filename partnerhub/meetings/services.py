"""Scheduling: series, their materialized occurrences, one-off meetings, and edits of either.

Occurrences exist as Meeting rows a horizon ahead (`recurrence.HORIZON`); `extend_horizons`
(run daily by the worker) moves the horizon on. Creating them is idempotent: the pair
(series, original start) is unique, and a series is locked while it is extended.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from partnerhub.agreements.models import Agreement
from partnerhub.audit.services import record
from partnerhub.auth.models import User
from partnerhub.auth.services import new_token, token_digest
from partnerhub.errors import DomainError, InvalidTransition
from partnerhub.meetings import recurrence, reminders
from partnerhub.meetings.models import (
    DEFAULT_REMINDER_OFFSETS,
    ActionItem,
    ActionItemStatus,
    AgendaItem,
    AgendaItemKind,
    AgendaItemStatus,
    Attendance,
    AttendanceStatus,
    CalendarFeed,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    Minutes,
    MinutesRevision,
    MinutesStatus,
)
from partnerhub.meetings.recurrence import Schedule, to_local, to_utc
from partnerhub.partnerships.models import Membership, Partnership
from partnerhub.permissions import MANAGE, can
from partnerhub.procedures.models import Procedure

REMOVED_FROM_SERIES = "No longer part of the series schedule."


@dataclass
class SeriesData:
    """What a facilitator sets on a series (the rule already in stored form)."""

    title: str
    rule: str
    starts_on: date
    start_time: time
    duration_minutes: int
    place: str = ""
    video_url: str = ""
    reminder_offsets: list[int] = field(default_factory=lambda: list(DEFAULT_REMINDER_OFFSETS))
    agenda_template: list[dict] = field(default_factory=list)


@dataclass
class MeetingData:
    """What can be set on a single meeting: a one-off, or one occurrence edited alone."""

    title: str
    starts_on: date
    start_time: time
    duration_minutes: int
    place: str = ""
    video_url: str = ""


def schedule_of(series: MeetingSeries) -> Schedule:
    return Schedule(series.rrule, series.starts_on, series.start_time, series.timezone)


def local_start(timezone: str, day: date, at: time) -> datetime:
    """A wall-clock day and time in `timezone`, as UTC."""
    return to_utc(datetime.combine(day, at), recurrence.ZoneInfo(timezone))


# --- series -------------------------------------------------------------------------------


def schedule_series(
    session: Session, actor: User, partnership: Partnership, data: SeriesData, now: datetime
) -> MeetingSeries:
    """Create a series in the partnership's time zone and materialize its occurrences."""
    series = MeetingSeries(
        partnership_id=partnership.id, timezone=partnership.timezone, created_by_id=actor.id
    )
    _apply_series_data(series, data)
    recurrence.check_produces_meetings(schedule_of(series), now)
    session.add(series)
    session.flush()
    created = materialize(session, series, now)
    record(
        session,
        actor,
        "meeting_series.scheduled",
        series,
        f"Scheduled “{series.title}”: {recurrence.describe(series.rrule)}",
        now,
        partnership_id=partnership.id,
        details={"rule": series.rrule, "meetings": len(created)},
    )
    return series


def _apply_series_data(series: MeetingSeries, data: SeriesData) -> None:
    series.title = data.title
    series.rrule = data.rule
    series.starts_on = data.starts_on
    series.start_time = data.start_time
    series.duration_minutes = data.duration_minutes
    series.place = data.place
    series.video_url = data.video_url
    series.reminder_offsets = list(data.reminder_offsets)
    series.agenda_template = [dict(item) for item in data.agenda_template]


def materialize(session: Session, series: MeetingSeries, now: datetime) -> list[Meeting]:
    """Create the series' missing occurrences up to the horizon; never one twice."""
    horizon = now + recurrence.HORIZON
    schedule = schedule_of(series)
    start = series.materialized_until or to_utc(schedule.first_local, schedule.zone)
    if start >= horizon:
        return []
    existing = set(
        session.scalars(
            select(Meeting.original_starts_at).where(
                Meeting.series_id == series.id, Meeting.original_starts_at >= start
            )
        )
    )
    created = [
        _occurrence(series, slot)
        for slot in recurrence.occurrences(schedule, start, horizon)
        if slot not in existing
    ]
    session.add_all(created)
    series.materialized_until = horizon
    session.flush()
    return created


def _occurrence(series: MeetingSeries, slot: datetime) -> Meeting:
    meeting = Meeting(
        partnership_id=series.partnership_id,
        series=series,
        title=series.title,
        starts_at=slot,
        ends_at=slot + timedelta(minutes=series.duration_minutes),
        original_starts_at=slot,
        place=series.place,
        video_url=series.video_url,
    )
    meeting.agenda_items = agenda_from_template(series.agenda_template)
    return meeting


def agenda_from_template(template: list[dict]) -> list[AgendaItem]:
    """Agenda items for a new meeting, from a series' template."""
    return [
        AgendaItem(
            position=position,
            title=item["title"],
            minutes=int(item.get("minutes") or 10),
            kind=AgendaItemKind(item.get("kind") or AgendaItemKind.OTHER.value),
        )
        for position, item in enumerate(template, start=1)
    ]


def extend_horizons(session: Session, now: datetime) -> int:
    """Materialize every series up to the horizon (the worker runs this daily); how many new."""
    due = select(MeetingSeries.id).where(
        or_(
            MeetingSeries.materialized_until.is_(None),
            MeetingSeries.materialized_until < now + recurrence.HORIZON,
        )
    )
    created = 0
    for series_id in list(session.scalars(due)):
        # Locked so two workers extending at once cannot both insert (PostgreSQL).
        series = session.scalars(
            select(MeetingSeries).where(MeetingSeries.id == series_id).with_for_update()
        ).one()
        created += len(materialize(session, series, now))
    return created


def edit_series(
    session: Session, actor: User, series: MeetingSeries, data: SeriesData, now: datetime
) -> MeetingSeries:
    """Change a series from `data.starts_on` on; the series that now holds those occurrences.

    When earlier occurrences exist, the series is split: the old one ends before that date
    and a new one continues. Past meetings, held ones and meetings edited alone keep their
    time, place and title. Occurrences the new rule no longer has are cancelled, so
    calendars drop them.
    """
    old_schedule = schedule_of(series)
    zone = old_schedule.zone
    cutoff = max(local_start(series.timezone, data.starts_on, time(0)), now)
    if data.starts_on <= series.starts_on:
        target = series
        _apply_series_data(target, data)
    else:
        before_rule, rest_rule = recurrence.split(
            old_schedule, datetime.combine(data.starts_on, time(0))
        )
        if data.rule == series.rrule:
            # The same pattern goes on: a COUNT is shared, not started again.
            data = replace(data, rule=rest_rule)
        series.rrule = before_rule
        target = MeetingSeries(
            partnership_id=series.partnership_id,
            timezone=series.timezone,
            created_by_id=actor.id,
            continues_id=series.id,
        )
        _apply_series_data(target, data)
        session.add(target)
    recurrence.check_produces_meetings(schedule_of(target), now)
    session.flush()

    slots = {
        to_local(slot, zone).date(): slot
        for slot in recurrence.occurrences(schedule_of(target), cutoff, now + recurrence.HORIZON)
    }
    later = session.scalars(
        select(Meeting)
        .where(
            Meeting.series_id == series.id,
            Meeting.original_starts_at >= cutoff,
            Meeting.starts_at >= now,
            Meeting.status != MeetingStatus.HELD,
        )
        .order_by(Meeting.original_starts_at)
    ).all()
    for meeting in later:
        slot = slots.pop(to_local(meeting.original_starts_at, zone).date(), None)
        if slot is not None:
            retimed = _follow_series(meeting, target, slot)
        elif not meeting.is_modified and not meeting.is_cancelled:
            _cancel(meeting, REMOVED_FROM_SERIES)
            retimed = True
        else:
            retimed = False
        if retimed:
            reminders.withdraw(session, meeting)
    session.flush()
    target.materialized_until = cutoff
    materialize(session, target, now)
    record(
        session,
        actor,
        "meeting_series.edited",
        target,
        f"Changed “{target.title}” from {data.starts_on:%d %b %Y}: "
        f"{recurrence.describe(target.rrule)}",
        now,
        partnership_id=series.partnership_id,
        details={"rule": target.rrule, "split_from": series.id if target is not series else None},
    )
    return target


def _follow_series(meeting: Meeting, series: MeetingSeries, slot: datetime) -> bool:
    """Attach an occurrence to (the new version of) its series; unless edited alone, retime it.

    True when its start time changed.
    """
    meeting.series = series
    meeting.original_starts_at = slot
    if meeting.is_modified:
        return False
    if meeting.is_cancelled and meeting.cancel_reason == REMOVED_FROM_SERIES:
        # An earlier series change dropped it; this one has it again.
        meeting.status = MeetingStatus.SCHEDULED
        meeting.cancel_reason = ""
        meeting.sequence += 1
    changed = _set_details(
        meeting, series.title, slot, series.duration_minutes, series.place, series.video_url
    )
    if changed:
        meeting.sequence += 1
    return "starts_at" in changed


def _set_details(
    meeting: Meeting, title: str, starts_at: datetime, minutes: int, place: str, video_url: str
) -> set[str]:
    """Set a meeting's title, time and place; the names of the fields that changed."""
    values = {
        "title": title,
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=minutes),
        "place": place,
        "video_url": video_url,
    }
    changed = {name for name, value in values.items() if getattr(meeting, name) != value}
    for name in changed:
        setattr(meeting, name, values[name])
    return changed


def _cancel(meeting: Meeting, reason: str) -> None:
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancel_reason = reason
    meeting.sequence += 1


# --- single meetings ----------------------------------------------------------------------


def schedule_meeting(
    session: Session, actor: User, partnership: Partnership, data: MeetingData, now: datetime
) -> Meeting:
    """Schedule a one-off meeting."""
    starts_at = local_start(partnership.timezone, data.starts_on, data.start_time)
    meeting = Meeting(
        partnership_id=partnership.id,
        title=data.title,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=data.duration_minutes),
        original_starts_at=starts_at,
        place=data.place,
        video_url=data.video_url,
    )
    session.add(meeting)
    session.flush()
    record(
        session,
        actor,
        "meeting.scheduled",
        meeting,
        f"Scheduled “{meeting.title}”",
        now,
        partnership_id=partnership.id,
    )
    return meeting


def edit_meeting(
    session: Session,
    actor: User,
    meeting: Meeting,
    data: MeetingData,
    timezone: str,
    now: datetime,
) -> Meeting:
    """Change one meeting alone (move it, change its place); later series edits leave it."""
    if meeting.is_cancelled:
        raise InvalidTransition("A cancelled meeting cannot be changed.")
    starts_at = local_start(timezone, data.starts_on, data.start_time)
    changed = _set_details(
        meeting, data.title, starts_at, data.duration_minutes, data.place, data.video_url
    )
    if not changed:
        return meeting
    meeting.is_modified = meeting.series_id is not None
    meeting.sequence += 1
    if "starts_at" in changed:
        reminders.withdraw(session, meeting)
    record(
        session,
        actor,
        "meeting.edited",
        meeting,
        f"Changed “{meeting.title}” ({', '.join(sorted(changed))})",
        now,
        partnership_id=meeting.partnership_id,
    )
    return meeting


def cancel_meeting(
    session: Session, actor: User, meeting: Meeting, reason: str, now: datetime
) -> Meeting:
    """Cancel one meeting with a reason everyone sees; its series goes on."""
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise InvalidTransition(f"A {meeting.status.value} meeting cannot be cancelled.")
    if not reason.strip():
        raise DomainError("Say why the meeting is cancelled.")
    _cancel(meeting, reason.strip())
    meeting.is_modified = meeting.series_id is not None
    reminders.withdraw(session, meeting)
    record(
        session,
        actor,
        "meeting.cancelled",
        meeting,
        f"Cancelled “{meeting.title}”: {meeting.cancel_reason}",
        now,
        partnership_id=meeting.partnership_id,
    )
    return meeting


# --- agenda -------------------------------------------------------------------------------


@dataclass
class AgendaItemData:
    title: str
    minutes: int
    kind: AgendaItemKind
    presenter_id: int | None = None
    procedure_id: int | None = None  # the procedure or agreement a review item is about
    agreement_id: int | None = None


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
    item.title = data.title
    item.minutes = data.minutes
    item.kind = data.kind
    item.presenter_id = data.presenter_id
    _link_subject(session, item.meeting, item, data)
    _record_item(session, actor, "agenda_item.edited", item, item.meeting, "Changed", now)
    return item


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


def previous_meeting(session: Session, meeting: Meeting) -> Meeting | None:
    """The partnership's last meeting before this one that was not cancelled."""
    return session.scalars(
        select(Meeting)
        .where(
            Meeting.partnership_id == meeting.partnership_id,
            Meeting.starts_at < meeting.starts_at,
            Meeting.status != MeetingStatus.CANCELLED,
        )
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    ).first()


def carry_forward(
    session: Session, actor: User, meeting: Meeting, now: datetime
) -> tuple[int, int]:
    """Put the last meeting's unfinished items and the open action items on this agenda.

    Returns how many agenda items and action items were carried; carrying twice adds nothing.
    """
    _require_open_agenda(meeting)
    previous = previous_meeting(session, meeting)
    carried_ids = {i.carried_from_id for i in meeting.agenda_items}
    titles = {i.title for i in meeting.agenda_items}
    unfinished = []
    if previous is not None:
        unfinished = session.scalars(
            select(AgendaItem)
            .where(
                AgendaItem.meeting_id == previous.id,
                AgendaItem.status == AgendaItemStatus.ACCEPTED,
                AgendaItem.is_finished.is_(False),
            )
            .order_by(AgendaItem.position)
        ).all()
    items = [
        AgendaItem(
            title=old.title,
            minutes=old.minutes,
            kind=old.kind,
            presenter_id=old.presenter_id,
            carried_from_id=old.id,
        )
        for old in unfinished
        if old.id not in carried_ids
    ]
    actions = [
        AgendaItem(
            title=title,
            minutes=5,
            kind=AgendaItemKind.REPORT,
            presenter_id=action.owner_membership_id,
        )
        for action in open_action_items(session, meeting.partnership_id)
        if (title := f"Follow-up: {action.title}"[:200]) not in titles
    ]
    for item in items + actions:
        item.position = len(meeting.agenda_items) + 1
        meeting.agenda_items.append(item)
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


# --- minutes ------------------------------------------------------------------------------


@dataclass
class ItemMinutes:
    notes: str
    decision: str
    is_finished: bool


def minutes_of(meeting: Meeting) -> Minutes:
    """The meeting's minutes, started as a draft when there are none yet."""
    if meeting.minutes is None:
        meeting.minutes = Minutes(status=MinutesStatus.DRAFT)
    return meeting.minutes


def save_minutes(
    session: Session,
    actor: User,
    meeting: Meeting,
    summary: str,
    items: dict[int, ItemMinutes],
    now: datetime,
) -> Minutes:
    """Write the draft minutes: a summary and each agenda item's notes and decision."""
    minutes = minutes_of(meeting)
    if minutes.is_final:
        raise InvalidTransition("The minutes are final; reopen them to change them.")
    minutes.summary = summary
    for item in meeting.agenda_items:
        if item.id in items:
            entry = items[item.id]
            item.notes, item.decision, item.is_finished = (
                entry.notes,
                entry.decision,
                entry.is_finished,
            )
    session.flush()
    record(
        session,
        actor,
        "minutes.saved",
        minutes,
        f"Saved draft minutes of {meeting.title}",
        now,
        partnership_id=meeting.partnership_id,
    )
    return minutes


def finalize_minutes(session: Session, actor: User, meeting: Meeting, now: datetime) -> Minutes:
    """Lock the minutes; the meeting counts as held."""
    minutes = minutes_of(meeting)
    if minutes.is_final:
        raise InvalidTransition("The minutes are already final.")
    if meeting.is_cancelled:
        raise InvalidTransition("A cancelled meeting has no minutes.")
    minutes.status = MinutesStatus.FINAL
    minutes.finalized_by_id = actor.id
    minutes.finalized_at = now
    meeting.status = MeetingStatus.HELD
    session.flush()
    record(
        session,
        actor,
        "minutes.finalized",
        minutes,
        f"Finalized the minutes of {meeting.title} (version {minutes.version})",
        now,
        partnership_id=meeting.partnership_id,
    )
    return minutes


def reopen_minutes(
    session: Session, actor: User, meeting: Meeting, reason: str, now: datetime
) -> Minutes:
    """Unlock final minutes for a correction, keeping the final version as a revision."""
    minutes = meeting.minutes
    if minutes is None or not minutes.is_final:
        raise InvalidTransition("Only final minutes can be reopened.")
    if not reason.strip():
        raise DomainError("Say what needs correcting.")
    minutes.revisions.append(
        MinutesRevision(
            version=minutes.version,
            content={
                "summary": minutes.summary,
                "items": [
                    {"title": i.title, "notes": i.notes, "decision": i.decision}
                    for i in meeting.agenda_items
                ],
            },
            finalized_by_id=minutes.finalized_by_id,
            finalized_at=minutes.finalized_at,
            reopened_by_id=actor.id,
            reopened_at=now,
            reopen_reason=reason.strip(),
        )
    )
    minutes.version += 1
    minutes.status = MinutesStatus.DRAFT
    minutes.finalized_by_id = None
    minutes.finalized_at = None
    record(
        session,
        actor,
        "minutes.reopened",
        minutes,
        f"Reopened the minutes of {meeting.title}: {reason.strip()}",
        now,
        partnership_id=meeting.partnership_id,
    )
    return minutes


# --- attendance ---------------------------------------------------------------------------


def respond(
    session: Session, membership: Membership, meeting: Meeting, accepted: bool, now: datetime
) -> Attendance:
    """A member answers the invitation to a meeting themselves."""
    if meeting.status is not MeetingStatus.SCHEDULED or meeting.ends_at <= now:
        raise InvalidTransition("Only upcoming meetings can be answered.")
    attendance = session.scalar(
        select(Attendance).where(
            Attendance.meeting_id == meeting.id, Attendance.membership_id == membership.id
        )
    ) or Attendance(meeting_id=meeting.id, membership_id=membership.id)
    attendance.status = AttendanceStatus.ACCEPTED if accepted else AttendanceStatus.DECLINED
    attendance.responded_at = now
    session.add(attendance)
    session.flush()
    record(
        session,
        membership.user,
        "attendance.answered",
        attendance,
        f"{'Accepted' if accepted else 'Declined'} the invitation to {meeting.title}",
        now,
        partnership_id=meeting.partnership_id,
    )
    return attendance


def record_attendance(
    session: Session,
    actor: User,
    meeting: Meeting,
    members: list[Membership],
    attended_ids: set[int],
    timezone: str,
    now: datetime,
) -> None:
    """Record who of `members` attended; the others were absent. The meeting was held."""
    if meeting.is_cancelled:
        raise InvalidTransition("The meeting is cancelled.")
    zone = recurrence.ZoneInfo(timezone)
    if to_local(meeting.starts_at, zone).date() > to_local(now, zone).date():
        raise InvalidTransition("Attendance can be recorded from the day of the meeting.")
    existing = {a.membership_id: a for a in meeting.attendances}
    for membership in members:
        attendance = existing.get(membership.id)
        if attendance is None:
            attendance = Attendance(membership_id=membership.id)
            meeting.attendances.append(attendance)
        attendance.status = (
            AttendanceStatus.ATTENDED if membership.id in attended_ids else AttendanceStatus.ABSENT
        )
    meeting.status = MeetingStatus.HELD
    record(
        session,
        actor,
        "meeting.attendance",
        meeting,
        f"Recorded attendance of {meeting.title}: {len(attended_ids)} of {len(members)}",
        now,
        partnership_id=meeting.partnership_id,
    )


# --- action items -------------------------------------------------------------------------


@dataclass
class ActionItemData:
    title: str
    owner_membership_id: int | None = None
    owner_agency_id: int | None = None
    due_on: date | None = None


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


# --- calendar feeds -----------------------------------------------------------------------


def subscribe(session: Session, user: User, partnership_id: int | None, now: datetime) -> str:
    """A new private feed URL token for `user` (of one partnership, or of all their meetings).

    An earlier feed of the same kind is revoked: the old URL stops working.
    """
    unsubscribe(session, user, partnership_id, now)
    raw, digest = new_token()
    session.add(
        CalendarFeed(
            token_hash=digest, user_id=user.id, partnership_id=partnership_id, created_at=now
        )
    )
    session.flush()
    return raw


def unsubscribe(session: Session, user: User, partnership_id: int | None, now: datetime) -> int:
    """Revoke the user's active feed of that kind; how many were revoked."""
    feeds = session.scalars(_active_feeds(user, partnership_id)).all()
    for feed in feeds:
        feed.revoked_at = now
    return len(feeds)


def active_feed(session: Session, user: User, partnership_id: int | None) -> CalendarFeed | None:
    """The user's working feed of that kind, if any."""
    return session.scalars(_active_feeds(user, partnership_id)).first()


def _active_feeds(user: User, partnership_id: int | None):
    return select(CalendarFeed).where(
        CalendarFeed.user_id == user.id,
        CalendarFeed.partnership_id.is_(None)
        if partnership_id is None
        else CalendarFeed.partnership_id == partnership_id,
        CalendarFeed.revoked_at.is_(None),
    )


def feed_for_token(session: Session, raw: str) -> CalendarFeed | None:
    """The active feed a URL token opens, while its owner may still see what it shows."""
    feed = session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == token_digest(raw), CalendarFeed.revoked_at.is_(None)
        )
    )
    if feed is None or not feed.user.is_active:
        return None
    if feed.partnership_id is not None and not session.scalar(
        select(Membership.id).where(
            Membership.partnership_id == feed.partnership_id,
            Membership.user_id == feed.user_id,
            Membership.left_at.is_(None),
        )
    ):
        return None
    return feed


FEED_PAST = timedelta(days=366)


def feed_meetings(session: Session, feed: CalendarFeed, now: datetime) -> list[tuple[Meeting, str]]:
    """The meetings a feed shows (from a year back), each with its time zone."""
    if feed.partnership_id is not None:
        return _meetings_with_zone(session, now, Meeting.partnership_id == feed.partnership_id)
    return user_meetings(session, feed.user_id, now)


def user_meetings(session: Session, user_id: int, now: datetime) -> list[tuple[Meeting, str]]:
    """A person's meetings in every partnership they are active in (from a year back)."""
    mine = select(Membership.partnership_id).where(
        Membership.user_id == user_id, Membership.left_at.is_(None)
    )
    return _meetings_with_zone(session, now, Meeting.partnership_id.in_(mine))


def _meetings_with_zone(session: Session, now: datetime, where) -> list[tuple[Meeting, str]]:
    query = (
        select(Meeting, Partnership.timezone)
        .join(Partnership, Partnership.id == Meeting.partnership_id)
        .where(where, Meeting.starts_at >= now - FEED_PAST)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return [(meeting, timezone) for meeting, timezone in session.execute(query)]
