"""Scheduling: series, their materialized occurrences, one-off meetings, and edits of either.

Occurrences exist as Meeting rows a horizon ahead (`recurrence.HORIZON`); `extend_horizons`
(run daily by the worker) moves the horizon on. Creating them is idempotent: the pair
(series, original start) is unique, and a series is locked while it is extended.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from partnerhub.audit.services import record
from partnerhub.auth.models import User
from partnerhub.errors import DomainError, InvalidTransition
from partnerhub.meetings import recurrence, reminders
from partnerhub.meetings.models import (
    DEFAULT_REMINDER_OFFSETS,
    AgendaItem,
    AgendaItemKind,
    Meeting,
    MeetingSeries,
    MeetingStatus,
)
from partnerhub.meetings.recurrence import Schedule, to_local, to_utc
from partnerhub.partnerships.models import Partnership

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
    description: str = ""
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


# --- series ---


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
    series.description = data.description
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
        before = reminders.Shown.of(meeting)
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
        reminders.announce_change(session, meeting, before, now)
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
    if meeting.is_modified and meeting.moved_from is None and slot != meeting.original_starts_at:
        # Edited alone, it stays where it is, shown as moved from where it was scheduled.
        meeting.moved_from = meeting.original_starts_at
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


# --- single meetings ---


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
    before = reminders.Shown.of(meeting)
    changed = _set_details(
        meeting, data.title, starts_at, data.duration_minutes, data.place, data.video_url
    )
    if not changed:
        return meeting
    meeting.is_modified = meeting.series_id is not None
    meeting.sequence += 1
    if "starts_at" in changed:
        reminders.withdraw(session, meeting)
    reminders.announce_change(session, meeting, before, now)
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
    before = reminders.Shown.of(meeting)
    _cancel(meeting, reason.strip())
    meeting.is_modified = meeting.series_id is not None
    reminders.withdraw(session, meeting)
    reminders.announce_change(session, meeting, before, now)
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
