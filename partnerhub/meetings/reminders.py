"""What meetings send and flag: reminders before each meeting, overdue action items, and the
meetings the daily digest lists.

- Each (meeting, start, offset) is recorded once in `meeting_reminders` (a unique row won by one
  sweep). The sweep that wins it queues one outbox row per member who gets it, with the key
  `meeting-reminder:<reminder id>:<user id>`, in one INSERT … SELECT; both inserts are
  ON CONFLICT DO NOTHING, so a second sweep adds nothing. Those rows are written (rendered
  once per meeting, offset and time zone) by the delivery worker just before it sends them,
  so a sweep over thousands of meetings writes little and renders nothing.
- Catch-up: of the offsets whose window has opened, only the latest (smallest) is still sent,
  the earlier ones are recorded as skipped; once a meeting has started, whatever was not sent is
  recorded as skipped (pending emails too) so it is never sent later.
- A moved meeting is a new start, so a new record; pending emails for its old start are
  cancelled, as are those for a cancelled meeting (`withdraw`, at once, and each sweep).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from functools import lru_cache, partial
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from partnerhub.auth.models import User
from partnerhub.db import insert_ignoring_conflicts
from partnerhub.links import external_url
from partnerhub.meetings.calendar import meeting_event, meeting_ics, scheduling_ics
from partnerhub.meetings.models import (
    ActionItem,
    ActionItemStatus,
    AgendaItem,
    AgendaItemStatus,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingReminder,
    MeetingStatus,
)
from partnerhub.notifications import (
    DIGEST_AHEAD,
    Content,
    Draft,
    FlagKind,
    OutboxMessage,
    OutboxStatus,
    Partnerships,
    ReminderKind,
    SweepReport,
    chunks,
    draft,
    flag,
    flag_subject,
    known_zone,
    local_when,
    long_date,
    no_id,
    notify,
    opted_out,
    pending_row,
    people,
    queue_content,
    resolve_flags,
    sweep_step,
    upcoming,
    wants,
    withdraw_pending,
    writer,
)
from partnerhub.partnerships.models import Membership, PartnerAgency, Partnership, Role

# The longest reminder offset honoured: meetings further ahead are not looked at.
HORIZON = timedelta(days=31)


# Meetings that started this recently are looked at, to record their unsent reminders as skipped.
LOOKBACK = timedelta(days=1)

MEETING_KIND = ReminderKind.MEETING_REMINDER.value


def about(meeting: Meeting) -> str:
    """What a meeting's emails are about, in the outbox."""
    return f"meeting:{meeting.id}"


def withdraw(session: Session, meeting: Meeting) -> int:
    """Cancel reminders not yet sent for a meeting that was cancelled or moved (the sweep
    queues new ones for a moved meeting's new time)."""
    return withdraw_pending(session, about(meeting))


def due_offsets(meeting: Meeting, now: datetime) -> tuple[int | None, list[int]]:
    """(the offset to send now, the offsets to record as skipped) for one meeting."""
    opened = sorted(
        o
        for o in meeting.effective_reminder_offsets
        if meeting.starts_at - timedelta(minutes=o) <= now
    )
    if now >= meeting.starts_at:
        return None, opened
    if not opened:
        return None, []
    return opened[0], opened[1:]


# --- calendar updates: what those who were sent a meeting get when it moves or is cancelled ---

CHANGE_KIND = ReminderKind.MEETING_CHANGE.value
# Emails that put the meeting in someone's calendar: those people get its updates.
SENT_THE_MEETING = (MEETING_KIND, CHANGE_KIND)


@dataclass(frozen=True)
class Shown:
    """What a meeting's calendar entry shows, to tell what a change changed."""

    starts_at: datetime
    ends_at: datetime
    title: str
    place: str
    video_url: str
    cancelled: bool

    @classmethod
    def of(cls, meeting: Meeting) -> Shown:
        return cls(
            meeting.starts_at,
            meeting.ends_at,
            meeting.title,
            meeting.place,
            meeting.video_url,
            meeting.is_cancelled,
        )


def announce_change(session: Session, meeting: Meeting, before: Shown, now: datetime) -> int:
    """Queue a calendar update to each person who was sent the meeting (a reminder, or an
    earlier update, sent or being sent): a cancellation (METHOD:CANCEL) or an update
    (METHOD:REQUEST) with the meeting's new SEQUENCE, which mail and calendar programs apply to
    the entry they have. In the caller's transaction; once per change and person (the key
    names the SEQUENCE); not to those who turned these emails off. How many were queued."""
    changes = what_changed(meeting, before)
    if not changes:
        return 0
    people = _sent_the_meeting(session, meeting)
    if not people:
        return 0
    partnership = meeting.partnership
    zone = partnership.timezone
    link = meeting_link(meeting)
    email = meeting_email(
        ReminderKind.MEETING_CHANGE,
        "Cancelled" if meeting.is_cancelled else "Changed",
        meeting,
        partnership,
        changes=changes,
    )
    organizer = (partnership.name, parseaddr(current_app.config["MAIL_FROM"])[1])
    for user in people:
        ics = scheduling_ics(
            meeting, zone, link, organizer=organizer, attendee=(user.name, user.email)
        )
        queue_content(
            session,
            replace(email.content_for(user), ics=ics.decode()),
            key=f"meeting-change:{meeting.id}:{meeting.sequence}:{user.id}",
            kind=CHANGE_KIND,
            to=user.email,
            now=now,
            user_id=user.id,
            partnership_id=partnership.id,
            about=about(meeting),
        )
    return len(people)


# --- final minutes: sent to the members when a facilitator finalizes them ------------------

MINUTES_KIND = ReminderKind.FINAL_MINUTES.value


def send_final_minutes(session: Session, meeting: Meeting, minutes, now: datetime) -> int:
    """Queue the final minutes to each active member who wants them, in the caller's
    transaction; once per meeting and person (minutes reopened and finalized again are not
    sent again: the meeting page has the correction). How many were queued."""
    partnership = meeting.partnership
    members = people(session, partnership.id)
    users = {m.user_id: m.user for m in members}
    refusing = opted_out(session, ReminderKind.FINAL_MINUTES, users)
    recipients = [user for user_id, user in users.items() if user_id not in refusing]
    if not recipients:
        return 0
    email = meeting_email(
        ReminderKind.FINAL_MINUTES,
        "Minutes",
        meeting,
        partnership,
        summary=minutes.summary,
        version=minutes.version,
        items=[
            {"title": i.title, "notes": i.notes, "decision": i.decision}
            for i in meeting.agenda_items
            if not i.is_proposed
        ],
    )
    for user in recipients:
        queue_content(
            session,
            email.content_for(user),
            key=f"final-minutes:{meeting.id}:{user.id}",
            kind=MINUTES_KIND,
            to=user.email,
            now=now,
            user_id=user.id,
            partnership_id=partnership.id,
            about=f"minutes:{meeting.id}",
        )
    return len(recipients)


def what_changed(meeting: Meeting, before: Shown) -> list[str]:
    """The change in words: "Cancelled: <reason>", "Moved from Tue 9 Mar 15:00 to Wed 10 Mar
    16:00 (America/Denver)", new title, place, video link."""
    if meeting.is_cancelled:
        return [] if before.cancelled else [f"Cancelled: {meeting.cancel_reason}"]
    zone = meeting.partnership.timezone
    changes = []
    if before.cancelled:
        changes.append("Back on the schedule")
    if (meeting.starts_at, meeting.ends_at) != (before.starts_at, before.ends_at):
        changes.append(
            f"Moved from {_slot(before.starts_at, before.ends_at, zone)} "
            f"to {_slot(meeting.starts_at, meeting.ends_at, zone)} ({zone})"
        )
    if meeting.title != before.title:
        changes.append(f"New title: {meeting.title} (was {before.title})")
    if meeting.place != before.place:
        changes.append(f"New place: {meeting.place or 'none'} (was {before.place or 'none'})")
    if meeting.video_url != before.video_url:
        changes.append(f"New video link: {meeting.video_url or 'none'}")
    return changes


def _slot(starts_at: datetime, ends_at: datetime, zone: str) -> str:
    """'Tue 9 Mar 15:00-16:30' in the meeting's zone."""
    start = local_when(starts_at, zone, "%a {day} %b %H:%M")
    return f"{start}-{local_when(ends_at, zone, '%H:%M')}"


def _sent_the_meeting(session: Session, meeting: Meeting) -> list[User]:
    """Active people who were sent the meeting and want its calendar updates."""
    sent = select(OutboxMessage.user_id).where(
        OutboxMessage.about == about(meeting),
        OutboxMessage.kind.in_(SENT_THE_MEETING),
        OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.SENDING)),
    )
    return list(
        session.scalars(
            select(User)
            .where(
                User.id.in_(sent),
                User.is_active.is_(True),
                wants(ReminderKind.MEETING_CHANGE, User.id),
            )
            .order_by(User.id)
        )
    )


@sweep_step(order=10)
def retire_obsolete_meeting_reminders(
    session: Session, now: datetime, _partnerships: Partnerships, report: SweepReport
) -> None:
    """Cancel the pending reminders of cancelled or moved meetings (the meetings service
    cancels them at once; this catches any queued meanwhile); skip those of meetings that
    have started."""
    obsolete = or_(
        Meeting.status != MeetingStatus.SCHEDULED,
        Meeting.starts_at != MeetingReminder.starts_at,
    )
    report.cancelled += _retire(session, OutboxStatus.CANCELLED, obsolete)
    report.skipped += _retire(session, OutboxStatus.SKIPPED, Meeting.starts_at <= now)


def _retire(session, status: OutboxStatus, condition) -> int:
    reminder = exists().where(
        MeetingReminder.id == OutboxMessage.reminder_id,
        Meeting.id == MeetingReminder.meeting_id,
        condition,
    )
    return session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, reminder)
        .values(status=status),
        execution_options={"synchronize_session": False},
    ).rowcount


@sweep_step(order=20)
def queue_meeting_reminders(
    session: Session, now: datetime, _partnerships: Partnerships, report: SweepReport
) -> None:
    """Record the reminders of scheduled meetings whose windows have opened, and queue a copy
    of each to every member who gets it (written later, by the delivery worker)."""
    window = (
        Meeting.status == MeetingStatus.SCHEDULED,
        Meeting.starts_at > now - LOOKBACK,
        Meeting.starts_at <= now + HORIZON,
    )
    candidates = session.scalars(
        select(Meeting).where(*window).order_by(Meeting.starts_at, Meeting.id)
    ).all()
    recorded = {
        tuple(row)
        for row in session.execute(
            select(
                MeetingReminder.meeting_id,
                MeetingReminder.starts_at,
                MeetingReminder.offset_minutes,
            )
            .join(Meeting, Meeting.id == MeetingReminder.meeting_id)
            .where(*window)
        )
    }
    records = _new_records(candidates, recorded, now)
    _record(session, records)
    won = _won(session, {r["meeting_id"] for r in records}, now)
    report.skipped += sum(1 for status in won.values() if status == "skipped")
    for ids in chunks(i for i, status in won.items() if status == "queued"):
        queued = session.execute(
            _copies_of(session, ids, now), execution_options={"preserve_rowcount": True}
        ).rowcount
        report.queued += queued
        report.queued_by_kind[MEETING_KIND] += queued


def _new_records(candidates, recorded, now) -> list[dict]:
    """The (meeting, start, offset) records this sweep should add."""
    records = []
    for meeting in candidates:
        send, skip = due_offsets(meeting, now)
        for offset, status in [(send, "queued"), *((o, "skipped") for o in skip)]:
            if offset is None or (meeting.id, meeting.starts_at, offset) in recorded:
                continue
            records.append(
                {
                    "meeting_id": meeting.id,
                    "starts_at": meeting.starts_at,
                    "offset_minutes": offset,
                    "status": status,
                    "recorded_at": now,
                }
            )
    return records


def _record(session, records: list[dict]) -> None:
    """Insert the records not inserted yet (by an earlier or a concurrent sweep)."""
    insert = insert_ignoring_conflicts(
        session, MeetingReminder, ["meeting_id", "starts_at", "offset_minutes"]
    )
    for batch in chunks(records):
        session.execute(insert, batch)


def _won(session, meeting_ids, now: datetime) -> dict[int, str]:
    """The ids and statuses of the records this sweep inserted (a concurrent sweep may have
    inserted some of them first: those are its to send; were both sweeps at the very same
    `now`, both send, and the outbox keys keep each email single)."""
    won = {}
    for ids in chunks(meeting_ids):
        won.update(
            session.execute(
                select(MeetingReminder.id, MeetingReminder.status).where(
                    MeetingReminder.meeting_id.in_(ids), MeetingReminder.recorded_at == now
                )
            ).all()
        )
    return won


def _copies_of(session, reminder_ids: list[int], now: datetime):
    """INSERT … SELECT of one unwritten outbox row per (reminder, member who gets it): active
    members with active accounts who want meeting reminders and have not declined."""
    as_text = partial(cast, type_=String)
    columns = pending_row(
        literal("meeting-reminder:") + as_text(MeetingReminder.id) + ":" + as_text(User.id),
        MEETING_KIND,
        User.email,
        now,
        partnership_id=Meeting.partnership_id,
        user_id=User.id,
        about=literal("meeting:") + as_text(Meeting.id),
        reminder_id=MeetingReminder.id,
    )
    table = OutboxMessage.__table__
    values = [
        value if _is_sql(value) else literal(value, table.c[name].type)
        for name, value in columns.items()
    ]
    declined = exists().where(
        Attendance.meeting_id == Meeting.id,
        Attendance.membership_id == Membership.id,
        Attendance.status == AttendanceStatus.DECLINED,
    )
    recipients = (
        select(*values)
        .select_from(MeetingReminder)
        .join(Meeting, Meeting.id == MeetingReminder.meeting_id)
        .join(Membership, Membership.partnership_id == Meeting.partnership_id)
        .join(User, User.id == Membership.user_id)
        .where(
            MeetingReminder.id.in_(reminder_ids),
            Membership.left_at.is_(None),
            User.is_active.is_(True),
            wants(ReminderKind.MEETING_REMINDER, User.id),
            ~declined,
        )
        # Each reminder's copies get consecutive ids, so a delivery batch spans few reminders
        # and renders each once.
        .order_by(MeetingReminder.id, Membership.id)
    )
    return insert_ignoring_conflicts(session, OutboxMessage, ["idempotency_key"]).from_select(
        list(columns), recipients
    )


def _is_sql(value) -> bool:
    return isinstance(value, ColumnElement) or hasattr(value, "__clause_element__")


@writer(ReminderKind.MEETING_REMINDER)
def write_meeting_reminders(
    session: Session, messages: list[OutboxMessage], now: datetime
) -> dict[int, Content | OutboxStatus]:
    """What each queued copy of a meeting reminder says, rendered once per meeting, offset and
    time zone; or the status it takes instead: cancelled when the meeting was cancelled or
    moved, or the member declined or opted out since it was queued; skipped once the meeting
    has started."""
    found = {
        reminder.id: (reminder, meeting, partnership)
        for reminder, meeting, partnership in session.execute(
            select(MeetingReminder, Meeting, Partnership)
            .join(Meeting, Meeting.id == MeetingReminder.meeting_id)
            .join(Partnership, Partnership.id == Meeting.partnership_id)
            .where(MeetingReminder.id.in_({m.reminder_id for m in messages}))
        )
    }
    users = {
        user.id: user
        for user in session.scalars(select(User).where(User.id.in_({m.user_id for m in messages})))
    }
    meeting_ids = {meeting.id for _r, meeting, _p in found.values()}
    declined = _declined(session, meeting_ids)
    refusing = opted_out(session, ReminderKind.MEETING_REMINDER, users)
    agendas = _agendas(session, meeting_ids)
    drafts: dict[tuple[int, str], Draft] = {}
    written: dict[int, Content | OutboxStatus] = {}
    for message in messages:
        reminder, meeting, partnership = found.get(message.reminder_id, (None, None, None))
        user = users.get(message.user_id)
        if (
            meeting is None
            or user is None
            or meeting.status is not MeetingStatus.SCHEDULED
            or meeting.starts_at != reminder.starts_at
            or user.id in refusing
            or user.id in declined[meeting.id]
        ):
            written[message.id] = OutboxStatus.CANCELLED
        elif meeting.starts_at <= now:
            written[message.id] = OutboxStatus.SKIPPED
        else:
            zone = user.timezone if user.timezone != partnership.timezone else ""
            zone = zone if known_zone(zone) else ""
            if (reminder.id, zone) not in drafts:
                drafts[reminder.id, zone] = meeting_draft(
                    meeting, partnership, reminder.offset_minutes, agendas[meeting.id], zone
                )
            written[message.id] = drafts[reminder.id, zone].content_for(user)
    return written


def meeting_link(meeting: Meeting) -> str:
    return external_url(
        "meetings.meeting", partnership_id=meeting.partnership_id, meeting_id=meeting.id
    )


def meeting_email(kind: ReminderKind, label: str, meeting, partnership, **context) -> Draft:
    """An email about one meeting, "<label>: <title>, <when> (<partnership>)", rendered from
    the template named like its kind, with the meeting's time in the partnership's zone."""
    when = local_when(meeting.starts_at, partnership.timezone)
    return draft(
        kind,
        kind.value,
        f"{label}: {meeting.title}, {when} ({partnership.name})",
        partnership_id=partnership.id,
        about=about(meeting),
        meeting=meeting,
        partnership=partnership,
        when=when,
        ends=local_when(meeting.ends_at, partnership.timezone, "%H:%M %Z"),
        link=meeting_link(meeting),
        **context,
    )


def meeting_draft(meeting, partnership, offset, agenda, member_zone) -> Draft:
    """The reminder for one meeting and offset, as seen from one time zone."""
    link = meeting_link(meeting)
    return meeting_email(
        ReminderKind.MEETING_REMINDER,
        "Reminder",
        meeting,
        partnership,
        when_member=local_when(meeting.starts_at, member_zone) if member_zone else "",
        member_zone=member_zone,
        lead=lead_time(offset),
        agenda=agenda,
        ics=reminder_ics(meeting, partnership.timezone, link),
    )


@lru_cache(maxsize=256)
def _calendar_frame(zone: str, year: int) -> tuple[str, str]:
    """The text of a meeting's calendar file before and after its VEVENT, for meetings of
    one time zone and year: building the VTIMEZONE costs ~10 ms, too much to repeat for each
    of thousands of meetings in one sweep."""
    noon = datetime(year, 7, 1, 12, tzinfo=UTC)
    probe = Meeting(
        uid="probe", title="", starts_at=noon, ends_at=noon + timedelta(hours=1), sequence=0
    )
    text = meeting_ics(probe, zone).decode()
    head, _, rest = text.partition("BEGIN:VEVENT\r\n")
    _, _, tail = rest.partition("END:VEVENT\r\n")
    lines = [line for line in head.split("\r\n") if not line.startswith("X-WR-CALNAME")]
    return "\r\n".join(lines), tail


def reminder_ics(meeting: Meeting, zone: str, link: str | None) -> str:
    """The meeting as a calendar file (what meeting_ics makes), with a shared VTIMEZONE."""
    head, tail = _calendar_frame(zone, meeting.starts_at.year)
    return head + meeting_event(meeting, zone, link).to_ical().decode() + tail


def lead_time(offset: int) -> str:
    """'in 7 days', 'tomorrow', 'in 2 hours': how far ahead the reminder is meant to arrive."""
    if offset % 1440 == 0:
        days = offset // 1440
        return "tomorrow" if days == 1 else f"in {days} days"
    if offset % 60 == 0:
        return "in 1 hour" if offset == 60 else f"in {offset // 60} hours"
    return f"in {offset} minutes"


def _declined(session, meetings) -> dict[int, set[int]]:
    """The users who declined each meeting."""
    declined: dict[int, set[int]] = defaultdict(set)
    for ids in chunks(meetings):
        for meeting_id, user_id in session.execute(
            select(Attendance.meeting_id, Membership.user_id)
            .join(Membership, Membership.id == Attendance.membership_id)
            .where(Attendance.meeting_id.in_(ids), Attendance.status == AttendanceStatus.DECLINED)
        ):
            declined[meeting_id].add(user_id)
    return declined


def _agendas(session, meetings) -> dict[int, list[dict]]:
    """The accepted agenda items of each meeting, in order, with presenters' names."""
    agendas: dict[int, list[dict]] = defaultdict(list)
    for ids in chunks(meetings):
        for item, presenter in session.execute(
            select(AgendaItem, User.name)
            .outerjoin(Membership, Membership.id == AgendaItem.presenter_id)
            .outerjoin(User, User.id == Membership.user_id)
            .where(AgendaItem.meeting_id.in_(ids), AgendaItem.status == AgendaItemStatus.ACCEPTED)
            .order_by(AgendaItem.meeting_id, AgendaItem.position)
        ):
            agendas[item.meeting_id].append(
                {"title": item.title, "minutes": item.minutes, "presenter": presenter or ""}
            )
    return agendas


@sweep_step(order=50)
def sweep_action_item_flags(
    session: Session, now: datetime, partnerships: Partnerships, report: SweepReport
) -> None:
    """Flag overdue action items for facilitators; remind each item's owner once."""
    still_due = set()
    for today, partnership_ids in partnerships.by_today.items():
        items = session.execute(
            select(ActionItem, Membership)
            .outerjoin(Membership, Membership.id == ActionItem.owner_membership_id)
            .where(
                ActionItem.partnership_id.in_(partnership_ids),
                ActionItem.status == ActionItemStatus.OPEN,
                ActionItem.due_on < today,
            )
        ).all()
        for item, owner in items:
            subject = f"action_item:{item.id}"
            still_due.add(subject)
            flagged, previous = flag(
                session,
                FlagKind.ACTION_ITEM_OVERDUE,
                subject,
                item,
                item.due_on,
                "overdue",
                today,
                report,
            )
            if previous is not None or owner is None or not owner.is_active:
                continue
            notify(
                session,
                ReminderKind.ACTION_ITEM_OVERDUE,
                "action_item_overdue",
                f"Overdue: {item.title}",
                key=f"action-item-overdue:{item.id}:{item.due_on.isoformat()}",
                to=[owner] if owner.user.is_active else [],
                about=flagged.subject,
                partnership_id=item.partnership_id,
                names=partnerships.names,
                now=now,
                report=report,
                item=item,
                due_on=long_date(item.due_on),
                link=external_url("meetings.action_items", partnership_id=item.partnership_id),
            )
    report.flags_resolved += resolve_flags(session, FlagKind.ACTION_ITEM_OVERDUE, still_due, now)


# --- agencies missing meetings ------------------------------------------------------------


@dataclass(frozen=True)
class AbsenceRun:
    """An agency absent (none of its people attended) from each meeting held since it last
    came, at least as many as its partnership's `absence_flag_after`."""

    agency: PartnerAgency
    missed: list[Meeting]  # oldest first

    @property
    def partnership_id(self) -> int:
        return self.agency.partnership_id

    @property
    def subject(self) -> str:
        """The flag's subject: one per run, named by the run's first missed meeting."""
        return f"agency_absence:{self.agency.id}:{self.missed[0].id}"

    @property
    def title(self) -> str:
        """The flag's title: the agency and the meetings missed (the latest, in a long run)."""
        shown = self.missed[-MISSED_MEETINGS_NAMED:]
        days = [local_today(m.starts_at, m.partnership) for m in shown]
        dates = ", ".join(f"{day.day} {day:%b %Y}" for day in days)
        more = "" if len(shown) == len(self.missed) else "…, "
        return (
            f"{self.agency.organization.name} missed {len(self.missed)} meetings in a row: "
            f"{more}{dates}"
        )


MISSED_MEETINGS_NAMED = 6


def absence_runs(session: Session, partnership_ids: list[int]) -> list[AbsenceRun]:
    """The partnerships' active agencies absent from their partnership's last N held meetings
    (N its `absence_flag_after`), each with every meeting missed since it last attended and
    joined, in two statements."""
    last_attended = (
        select(
            Membership.partner_agency_id.label("agency_id"),
            func.max(Meeting.starts_at).label("at"),
        )
        .join(Attendance, Attendance.membership_id == Membership.id)
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .where(
            Membership.partnership_id.in_(partnership_ids),
            Attendance.status == AttendanceStatus.ATTENDED,
            Meeting.status == MeetingStatus.HELD,
        )
        .group_by(Membership.partner_agency_id)
        .subquery()
    )
    rows = session.execute(
        select(PartnerAgency, Partnership.absence_flag_after, Meeting)
        .join(Partnership, Partnership.id == PartnerAgency.partnership_id)
        .join(Meeting, Meeting.partnership_id == PartnerAgency.partnership_id)
        .outerjoin(last_attended, last_attended.c.agency_id == PartnerAgency.id)
        .where(
            PartnerAgency.partnership_id.in_(partnership_ids),
            PartnerAgency.left_on.is_(None),
            Meeting.status == MeetingStatus.HELD,
            or_(last_attended.c.at.is_(None), Meeting.starts_at > last_attended.c.at),
        )
        .order_by(PartnerAgency.id, Meeting.starts_at)
    ).all()
    missed: dict[int, list[Meeting]] = defaultdict(list)
    agencies, thresholds = {}, {}
    for agency, threshold, meeting in rows:
        if meeting.starts_at.date() >= agency.joined_on:
            agencies[agency.id], thresholds[agency.id] = agency, threshold
            missed[agency.id].append(meeting)
    return [
        AbsenceRun(agencies[agency_id], meetings)
        for agency_id, meetings in missed.items()
        if len(meetings) >= thresholds[agency_id]
    ]


@sweep_step(order=55)
def sweep_absence_flags(
    session: Session, now: datetime, partnerships: Partnerships, report: SweepReport
) -> None:
    """Flag each agency absent from its partnership's last N meetings in a row, and email its
    liaison and the facilitators once per run of absences; an agency that came again has its
    flag resolved, and a later run is flagged anew."""
    still_due = set()
    for today, partnership_ids in partnerships.by_today.items():
        for ids in chunks(partnership_ids):
            for run in absence_runs(session, ids):
                still_due.add(run.subject)
                due_on = local_today(run.missed[0].starts_at, run.missed[0].partnership)
                _flag, previous = flag(
                    session,
                    FlagKind.AGENCY_ABSENCE,
                    run.subject,
                    run,
                    due_on,
                    "absent",
                    today,
                    report,
                )
                if previous is None:
                    _tell_about_absence(session, run, partnerships, now, report)
    report.flags_resolved += resolve_flags(session, FlagKind.AGENCY_ABSENCE, still_due, now)


def _tell_about_absence(session, run: AbsenceRun, partnerships, now, report) -> None:
    """Email the agency's liaison and the partnership's facilitators about the run."""
    conditions = [Membership.role == Role.FACILITATOR]
    if run.agency.liaison_id is not None:
        conditions.append(Membership.id == run.agency.liaison_id)
    zone = run.missed[0].partnership.timezone
    notify(
        session,
        ReminderKind.AGENCY_ABSENCE,
        "agency_absence",
        f"{run.agency.organization.name} missed {len(run.missed)} meetings in a row",
        key=f"agency-absence:{run.agency.id}:{run.missed[0].id}",
        to=people(session, run.partnership_id, *conditions),
        about=run.subject,
        partnership_id=run.partnership_id,
        names=partnerships.names,
        now=now,
        report=report,
        agency_name=run.agency.organization.name,
        missed=[
            {"title": m.title, "when": local_when(m.starts_at, zone), "link": meeting_link(m)}
            for m in run.missed
        ],
        attendance_link=external_url(
            "meetings.attendance_report", partnership_id=run.partnership_id
        ),
    )


def local_today(instant: datetime, partnership: Partnership):
    """The partnership's date at `instant`."""
    return instant.astimezone(ZoneInfo(partnership.timezone)).date()


@upcoming
def meetings_this_week(session: Session, partnership_ids: set[int], now: datetime):
    """Each partnership's scheduled meetings of the coming week, for the daily digest."""
    meetings = defaultdict(list)
    for meeting, zone in session.execute(
        select(Meeting, Partnership.timezone)
        .join(Partnership, Partnership.id == Meeting.partnership_id)
        .where(
            Meeting.partnership_id.in_(partnership_ids),
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at > now,
            Meeting.starts_at <= now + DIGEST_AHEAD,
        )
        .order_by(Meeting.starts_at)
    ):
        meetings[meeting.partnership_id].append(
            {
                "title": meeting.title,
                "when": local_when(meeting.starts_at, zone),
                "link": external_url(
                    "meetings.meeting", partnership_id=meeting.partnership_id, meeting_id=meeting.id
                ),
            }
        )
    return meetings


@flag_subject("agency_absence")
def absence_owners() -> Select:
    """An agency missing meetings is its liaison's to bring back to the table."""
    return select(PartnerAgency.id, no_id(), PartnerAgency.id)


@flag_subject("action_item")
def action_item_owners() -> Select:
    """An overdue action item is its owner's, else its agency's."""
    return select(ActionItem.id, ActionItem.owner_membership_id, ActionItem.owner_agency_id)
