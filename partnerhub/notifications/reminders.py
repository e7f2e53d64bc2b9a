"""The reminder sweep: what is due *now*, computed from the data, written to the outbox once.

`sweep(session, now)` is run every few minutes (by beat, by cron through `partnerhub reminders
run`, or by hand); the caller commits. It may run twice, or twice at once, or after the workers
were down for days:

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
  cancelled, as are those for a cancelled meeting.
- Flags: agreements in their renewal notice window (emails at the window's opening, 30 and 7
  days before the end and on expiry), procedures due for review, overdue action items.
- Sign-off requests: whoever signs for an agency yet to sign a procedure version in review
  is asked, once per version.
- The daily digest, for those who ask for it: at 7:00 their time, open flags and the week's
  meetings of their partnerships, once a day.

Emails need an app context (templates, BASE_URL, SECRET_KEY), which web, CLI and worker have.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache, partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from markupsafe import escape
from sqlalchemy import ColumnElement, String, cast, exists, literal, or_, select, update
from sqlalchemy.orm import Session

from partnerhub.agreements.services import agreements_due, renewal_thresholds, term_end
from partnerhub.auth.models import User
from partnerhub.db import insert_ignoring_conflicts
from partnerhub.meetings.calendar import meeting_event, meeting_ics
from partnerhub.meetings.models import (
    ActionItem,
    ActionItemStatus,
    AgendaItem,
    AgendaItemStatus,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingStatus,
)
from partnerhub.notifications.flags import (
    insert_new_ignoring_duplicates,
    open_flags,
    raise_flag,
    resolve_flags,
)
from partnerhub.notifications.models import (
    Flag,
    FlagKind,
    MeetingReminder,
    OutboxMessage,
    OutboxStatus,
    ReminderKind,
)
from partnerhub.notifications.outbox import Content, pending_row, render_email
from partnerhub.notifications.preferences import (
    opted_out,
    unsubscribe_headers,
    unsubscribe_token,
    wants,
)
from partnerhub.partnerships.models import Membership, PartnerAgency, Partnership, Role
from partnerhub.procedures.services import (
    awaiting_sign_off,
    may_sign_for,
    procedures_due_for_review,
)

log = logging.getLogger(__name__)

# The longest reminder offset honoured: meetings further ahead are not looked at.
HORIZON = timedelta(days=31)
# Meetings that started this recently are looked at, to record their unsent reminders as skipped.
LOOKBACK = timedelta(days=1)
# Bound on the ids in one IN (…) list.
CHUNK = 5000

MEETING_KIND = ReminderKind.MEETING_REMINDER.value


@dataclass
class SweepReport:
    """What one sweep did, for logs, the CLI and tests."""

    queued: int = 0
    skipped: int = 0
    cancelled: int = 0
    flags_raised: int = 0
    flags_resolved: int = 0
    queued_by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def __str__(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.queued_by_kind.items()) if n)
        return (
            f"queued {self.queued} email(s){f' ({kinds})' if kinds else ''}, "
            f"skipped {self.skipped}, cancelled {self.cancelled}, "
            f"flags raised {self.flags_raised}, resolved {self.flags_resolved}"
        )


def sweep(session: Session, now: datetime) -> SweepReport:
    """Queue every reminder and raise every flag due at `now`; the caller commits."""
    report = SweepReport()
    retire_obsolete_meeting_reminders(session, now, report)
    queue_meeting_reminders(session, now, report)
    partnerships = Partnerships.at(session, now)
    sweep_agreement_flags(session, now, partnerships, report)
    sweep_procedure_flags(session, now, partnerships, report)
    sweep_action_item_flags(session, now, partnerships, report)
    sweep_sign_off_requests(session, now, partnerships, report)
    queue_daily_digests(session, now, report)
    log.info("reminder sweep at %s: %s", now.isoformat(), report)
    return report


# --- emails ----------------------------------------------------------------------------------

# Stand-ins rendered into a template once and replaced per recipient (escaped for HTML).
_NAME, _UNSUBSCRIBE, _TOKEN = "\x00name\x00", "\x00unsubscribe\x00", "TOKEN"


@dataclass
class Draft:
    """An email rendered once, addressed to many recipients."""

    kind: ReminderKind
    subject: str
    text: str
    html: str
    partnership_id: int
    about: str
    ics: str | None = None
    # The unsubscribe link with a stand-in for each recipient's token.
    unsubscribe_url: str = ""

    def content_for(self, user: User) -> Content:
        """The email as one recipient gets it: their name, their unsubscribe link."""
        token = unsubscribe_token(current_app.config["SECRET_KEY"], user.id, self.kind)
        url = self.unsubscribe_url.replace(_TOKEN, token)
        return Content(
            self.subject,
            self.text.replace(_NAME, user.name).replace(_UNSUBSCRIBE, url),
            self.html.replace(_NAME, str(escape(user.name))).replace(
                _UNSUBSCRIBE, str(escape(url))
            ),
            self.ics,
            unsubscribe_headers(url),
        )

    def row(self, key: str, user: User, now: datetime) -> dict:
        """The outbox row for one recipient."""
        return pending_row(
            key,
            self.kind.value,
            user.email,
            now,
            partnership_id=self.partnership_id,
            user_id=user.id,
            about=self.about,
            **self.content_for(user).columns(),
        )


def draft(kind: ReminderKind, template: str, subject: str, *, partnership_id, about, **context):
    """Render a reminder's text and HTML twins once, with stand-ins for the recipient."""
    text, html = render_email(
        template, recipient_name=_NAME, unsubscribe_url=_UNSUBSCRIBE, **context
    )
    unsubscribe_url = absolute_url("notifications.unsubscribe", token=_TOKEN)
    return Draft(
        kind, subject, text, html, partnership_id, about, context.get("ics"), unsubscribe_url
    )


def absolute_url(endpoint: str, **values) -> str | None:
    """The public URL of a route (for emails), or None when the route does not exist."""
    if endpoint not in current_app.view_functions:
        return None
    path = current_app.url_map.bind("partnerhub").build(endpoint, values)
    return current_app.config["BASE_URL"] + path


def queue_rows(session: Session, rows: list[dict], report: SweepReport) -> int:
    """Insert outbox rows whose keys are new; returns how many were queued."""
    queued = 0
    for batch in chunks(rows):
        queued += insert_new_ignoring_duplicates(session, OutboxMessage, batch, "idempotency_key")
    report.queued += queued
    if rows:
        report.queued_by_kind[rows[0]["kind"]] += queued
    return queued


def chunks(items: Iterable) -> Iterator[list]:
    """The items in lists of at most CHUNK (ids in one IN (…), rows in one statement)."""
    items = list(items)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


# --- meeting reminders -----------------------------------------------------------------------


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


def queue_meeting_reminders(session: Session, now: datetime, report: SweepReport) -> None:
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


def meeting_draft(meeting, partnership, offset, agenda, member_zone) -> Draft:
    """The reminder for one meeting and offset, as seen from one time zone."""
    when = local_when(meeting.starts_at, partnership.timezone)
    link = absolute_url("meetings.meeting", partnership_id=partnership.id, meeting_id=meeting.id)
    return draft(
        ReminderKind.MEETING_REMINDER,
        "meeting_reminder",
        f"Reminder: {meeting.title}, {when} ({partnership.name})",
        partnership_id=partnership.id,
        about=f"meeting:{meeting.id}",
        meeting=meeting,
        partnership=partnership,
        when=when,
        ends=local_when(meeting.ends_at, partnership.timezone, "%H:%M %Z"),
        when_member=local_when(meeting.starts_at, member_zone) if member_zone else "",
        member_zone=member_zone,
        lead=lead_time(offset),
        agenda=agenda,
        link=link,
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


def local_when(moment: datetime, zone: str, fmt: str = "%A {day} %B %Y, %H:%M %Z") -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return local.strftime(fmt.replace("{day}", str(local.day)))


@lru_cache(maxsize=512)
def known_zone(name: str) -> bool:
    """True for an IANA time zone this machine knows (a bad one must not stop the sweep)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


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


def retire_obsolete_meeting_reminders(session: Session, now: datetime, report) -> None:
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


# --- flags: agreements, procedures, action items ---------------------------------------------


@dataclass(frozen=True)
class Partnerships:
    """Every partnership's name, and their ids grouped by the date it is in their time zone."""

    names: dict[int, str]
    by_today: dict[date, list[int]]

    @classmethod
    def at(cls, session: Session, now: datetime) -> Partnerships:
        names, by_today = {}, defaultdict(list)
        for row in session.execute(select(Partnership.id, Partnership.name, Partnership.timezone)):
            names[row.id] = row.name
            by_today[now.astimezone(ZoneInfo(row.timezone)).date()].append(row.id)
        return cls(names, dict(by_today))


def _active_members(partnership_ids, *conditions):
    """The partnerships' active members with active accounts (matching any of `conditions`)."""
    query = (
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.partnership_id.in_(list(partnership_ids)),
            Membership.left_at.is_(None),
            User.is_active.is_(True),
        )
        .order_by(Membership.id)
    )
    return query.where(or_(*conditions)) if conditions else query


def _people(session, partnership_id: int, *conditions) -> list[Membership]:
    """A partnership's active members with active accounts matching any of `conditions`."""
    return list(session.scalars(_active_members([partnership_id], *conditions)))


def _notify(
    session,
    kind,
    template,
    subject,
    *,
    key,
    to,
    about,
    partnership_id,
    names,
    now,
    report,
    **context,
) -> None:
    """Render one flag email and queue it to each member in `to` who has not opted out."""
    email = draft(
        kind,
        template,
        f"{subject} ({names[partnership_id]})",
        partnership_id=partnership_id,
        about=about,
        partnership_name=names[partnership_id],
        flags_link=_flags_link(partnership_id),
        **context,
    )
    users = {m.user_id: m.user for m in to}
    refusing = opted_out(session, kind, users)
    rows = [
        email.row(f"{key}:{user_id}", user, now)
        for user_id, user in users.items()
        if user_id not in refusing
    ]
    queue_rows(session, rows, report)


THRESHOLD_WORDS = {
    "notice": "is due for renewal",
    "30_days": "expires in 30 days",
    "7_days": "expires in 7 days",
    "expiry": "has expired",
}


def sweep_agreement_flags(
    session: Session, now: datetime, partnerships: Partnerships, report: SweepReport
) -> None:
    """Flag agreements due for renewal; email facilitators and signatories at each threshold."""
    still_due = set()
    for today, partnership_ids in partnerships.by_today.items():
        for agreement in agreements_due(session, today, partnership_ids):
            still_due.add(f"agreement:{agreement.id}")
            passed = [name for name, day in renewal_thresholds(agreement, today) if day <= today]
            if not passed:
                continue
            end = term_end(agreement, today)
            flag, previous = _flag(
                session, FlagKind.AGREEMENT_RENEWAL, agreement, end, passed[-1], today, report
            )
            if previous == passed[-1] or flag.acknowledged_at is not None:
                continue
            parties = [p.partner_agency_id for p in agreement.parties]
            _notify(
                session,
                ReminderKind.AGREEMENT_RENEWAL,
                "agreement_renewal",
                f"{agreement.title} {THRESHOLD_WORDS[passed[-1]]}",
                key=f"agreement-renewal:{agreement.id}:{end.isoformat()}:{passed[-1]}",
                to=_people(
                    session,
                    agreement.partnership_id,
                    Membership.role == Role.FACILITATOR,
                    Membership.is_signatory.is_(True) & Membership.partner_agency_id.in_(parties),
                ),
                about=flag.subject,
                partnership_id=agreement.partnership_id,
                names=partnerships.names,
                now=now,
                report=report,
                agreement=agreement,
                state=THRESHOLD_WORDS[passed[-1]],
                expires_on=long_date(end),
                expired=passed[-1] == "expiry",
                link=_page_link(
                    "agreements.show", agreement.partnership_id, agreement_id=agreement.id
                ),
            )
    report.flags_resolved += resolve_flags(session, FlagKind.AGREEMENT_RENEWAL, still_due, now)


def sweep_procedure_flags(
    session: Session, now: datetime, partnerships: Partnerships, report: SweepReport
) -> None:
    """Flag procedures due for review; email the owner's liaison, alternate and facilitators."""
    still_due = set()
    for today, partnership_ids in partnerships.by_today.items():
        for procedure in procedures_due_for_review(session, today, partnership_ids):
            still_due.add(f"procedure:{procedure.id}")
            due = procedure.next_review_on
            flag, previous = _flag(
                session, FlagKind.PROCEDURE_REVIEW, procedure, due, "due", today, report
            )
            if previous is not None:
                continue
            agency = session.get(PartnerAgency, procedure.owning_agency_id)
            contacts = [i for i in (agency.liaison_id, agency.alternate_id) if i]
            _notify(
                session,
                ReminderKind.PROCEDURE_REVIEW,
                "procedure_review",
                f"Review due: {procedure.title}",
                key=f"procedure-review:{procedure.id}:{due.isoformat()}",
                to=_people(
                    session,
                    procedure.partnership_id,
                    Membership.role == Role.FACILITATOR,
                    Membership.id.in_(contacts),
                ),
                about=flag.subject,
                partnership_id=procedure.partnership_id,
                names=partnerships.names,
                now=now,
                report=report,
                procedure=procedure,
                agency_name=agency.organization.name,
                due_on=long_date(due),
                link=_page_link(
                    "procedures.show", procedure.partnership_id, procedure_id=procedure.id
                ),
            )
    report.flags_resolved += resolve_flags(session, FlagKind.PROCEDURE_REVIEW, still_due, now)


def sweep_sign_off_requests(
    session: Session, now: datetime, partnerships: Partnerships, report: SweepReport
) -> None:
    """Ask whoever signs for an agency yet to sign a procedure version in review to do so:
    once per version and person (a liaison named later is asked too)."""
    pending = [row for row in awaiting_sign_off(session, partnerships.names) if row[2]]
    if not pending:
        return
    members = defaultdict(list)
    for membership in session.scalars(
        _active_members({procedure.partnership_id for procedure, _v, _a in pending})
    ):
        members[membership.partnership_id].append(membership)
    asked = set(
        session.scalars(
            select(OutboxMessage.idempotency_key).where(
                OutboxMessage.about.in_([f"procedure-version:{v.id}" for _p, v, _a in pending])
            )
        )
    )
    for procedure, version, agencies in pending:
        key = f"procedure-sign-off:{version.id}"
        signers = [
            m
            for m in members[procedure.partnership_id]
            if f"{key}:{m.user_id}" not in asked and any(may_sign_for(m, a) for a in agencies)
        ]
        if not signers:
            continue
        _notify(
            session,
            ReminderKind.SIGN_OFF_REQUEST,
            "procedure_sign_off",
            f"Sign-off requested: {procedure.title}, version {version.number}",
            key=key,
            to=signers,
            about=f"procedure-version:{version.id}",
            partnership_id=procedure.partnership_id,
            names=partnerships.names,
            now=now,
            report=report,
            procedure=procedure,
            version=version,
            agencies=[agency.organization.name for agency in agencies],
            link=_page_link(
                "procedures.version",
                procedure.partnership_id,
                procedure_id=procedure.id,
                number=version.number,
            ),
        )


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
            still_due.add(f"action_item:{item.id}")
            flag, previous = _flag(
                session, FlagKind.ACTION_ITEM_OVERDUE, item, item.due_on, "overdue", today, report
            )
            if previous is not None or owner is None or not owner.is_active:
                continue
            _notify(
                session,
                ReminderKind.ACTION_ITEM_OVERDUE,
                "action_item_overdue",
                f"Overdue: {item.title}",
                key=f"action-item-overdue:{item.id}:{item.due_on.isoformat()}",
                to=[owner] if owner.user.is_active else [],
                about=flag.subject,
                partnership_id=item.partnership_id,
                names=partnerships.names,
                now=now,
                report=report,
                item=item,
                due_on=long_date(item.due_on),
                link=_page_link("meetings.action_items", item.partnership_id),
            )
    report.flags_resolved += resolve_flags(session, FlagKind.ACTION_ITEM_OVERDUE, still_due, now)


FLAG_SUBJECTS = {
    FlagKind.AGREEMENT_RENEWAL: "agreement",
    FlagKind.PROCEDURE_REVIEW: "procedure",
    FlagKind.ACTION_ITEM_OVERDUE: "action_item",
}


def _flag(session, kind, flagged, due_on, threshold, today, report):
    """(the flag on `flagged`, the threshold it had before this call or None when just raised)."""
    flag, previous = raise_flag(
        session,
        kind=kind,
        partnership_id=flagged.partnership_id,
        subject=f"{FLAG_SUBJECTS[kind]}:{flagged.id}",
        title=flagged.title,
        due_on=due_on,
        threshold=threshold,
        today=today,
    )
    report.flags_raised += previous is None
    return flag, previous


def _page_link(endpoint: str, partnership_id: int, **values) -> str | None:
    """A page of the partnership for an email, or its flags page while that page is missing."""
    return absolute_url(endpoint, partnership_id=partnership_id, **values) or _flags_link(
        partnership_id
    )


def _flags_link(partnership_id: int) -> str | None:
    return absolute_url("notifications.flags", partnership_id=partnership_id)


# --- the daily digest ------------------------------------------------------------------------

# When the digest goes out, in each subscriber's own time zone; meetings it lists ahead.
DIGEST_TIME = time(7, 0)
DIGEST_AHEAD = timedelta(days=7)


@dataclass(frozen=True)
class DigestSection:
    """One partnership in a digest: its open flags and its meetings of the coming week."""

    partnership: Partnership
    flags: list[Flag]
    meetings: list[dict]
    link: str | None


def queue_daily_digests(session: Session, now: datetime, report: SweepReport) -> None:
    """Queue today's digest to each subscriber whose local time has reached 7:00 (once a
    day, by key; a sweep after downtime still sends the day's digest), unless their
    partnerships have nothing to report."""
    subscribers = session.scalars(
        select(User)
        .where(wants(ReminderKind.DAILY_DIGEST, User.id), User.is_active.is_(True))
        .order_by(User.id)
    ).all()
    due = {}
    for user in subscribers:
        local = now.astimezone(ZoneInfo(user.timezone if known_zone(user.timezone) else "UTC"))
        if local.time() >= DIGEST_TIME:
            due[user.id] = (user, local.date())
    sections = _digest_sections(session, due, now)
    rows = []
    for user, day in due.values():
        if sections[user.id]:
            email = draft(
                ReminderKind.DAILY_DIGEST,
                "daily_digest",
                f"PartnerHub digest for {long_date(day)}",
                partnership_id=None,
                about=f"digest:{day.isoformat()}",
                day=long_date(day),
                sections=sections[user.id],
            )
            rows.append(email.row(f"daily-digest:{user.id}:{day.isoformat()}", user, now))
    queue_rows(session, rows, report)


def _digest_sections(session, due, now) -> dict[int, list[DigestSection]]:
    """Each due subscriber's partnerships that have open flags or meetings this week."""
    memberships = session.execute(
        select(Membership.user_id, Partnership)
        .join(Partnership, Partnership.id == Membership.partnership_id)
        .where(Membership.user_id.in_(due), Membership.left_at.is_(None))
        .order_by(Partnership.name)
    ).all()
    partnership_ids = {partnership.id for _u, partnership in memberships}
    flags = defaultdict(list)
    for flag in open_flags(session, partnership_ids):
        flags[flag.partnership_id].append(flag)
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
                "link": absolute_url(
                    "meetings.meeting", partnership_id=meeting.partnership_id, meeting_id=meeting.id
                ),
            }
        )
    sections = defaultdict(list)
    for user_id, partnership in memberships:
        if flags[partnership.id] or meetings[partnership.id]:
            link = absolute_url("partnerships.overview", partnership_id=partnership.id)
            sections[user_id].append(
                DigestSection(partnership, flags[partnership.id], meetings[partnership.id], link)
            )
    return sections
