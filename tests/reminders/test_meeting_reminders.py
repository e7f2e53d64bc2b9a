"""Meeting reminders: once per (meeting, offset, recipient), never for the past, never for a
cancelled meeting or an old time, caught up after downtime."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from partnerhub.auth.models import User
from partnerhub.meetings.models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingReminder,
    MeetingStatus,
)
from partnerhub.meetings.services import MeetingData, cancel_meeting, edit_meeting
from partnerhub.notifications import sweep
from partnerhub.notifications.models import (
    NotificationPreference,
    OutboxMessage,
    OutboxStatus,
    ReminderKind,
)
from tests.reminders.conftest import DAY, T0, WEEK, one_off, outbox

MINUTE = timedelta(minutes=1)


def received(smtp) -> Counter:
    """(subject's meeting line, recipient) -> how many emails the SMTP server accepted."""
    return Counter((m["X-Reminder"] or m["Subject"], m["To"]) for m in smtp.messages)


def test_nothing_before_the_window_then_each_member_once_per_offset(
    db, roster, run_sweep, deliver_pending, smtp
):
    meeting = one_off(db, roster.partnership, date(2027, 3, 16))
    start = meeting.starts_at

    assert run_sweep(start - WEEK - MINUTE).queued == 0
    assert run_sweep(start - WEEK + MINUTE).queued == 3
    assert run_sweep(start - WEEK + 2 * MINUTE).queued == 0
    deliver_pending(start - WEEK + 2 * MINUTE)
    assert run_sweep(start - WEEK + 3 * MINUTE).queued == 0
    assert run_sweep(start - DAY - MINUTE).queued == 0
    assert run_sweep(start - DAY).queued == 3
    assert run_sweep(start - DAY + MINUTE).queued == 0
    deliver_pending(start - DAY + MINUTE)
    assert run_sweep(start + MINUTE).queued == 0
    deliver_pending(start + MINUTE)

    assert len(smtp.messages) == 6
    assert len({m["Message-ID"] for m in smtp.messages}) == 6
    per_recipient = Counter(m["To"] for m in smtp.messages)
    assert per_recipient == {m.user.email: 2 for m in roster.memberships}
    offsets = sorted(db.get(MeetingReminder, row.reminder_id).offset_minutes for row in outbox(db))
    assert offsets == [1440] * 3 + [10080] * 3


def two_sessions_sweep_at_once(app, now, concurrently: bool):
    """Two sweeps in two sessions; at once in threads on PostgreSQL, one after the other on
    SQLite (which serializes writers anyway)."""
    database = app.extensions["partnerhub.database"]
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def one():
        try:
            with app.app_context():
                session = database.sessionmaker()
                try:
                    if concurrently:
                        barrier.wait(timeout=10)
                    reports.append(sweep(session, now))
                    session.commit()
                finally:
                    session.close()
        except Exception as error:  # surfaced below
            errors.append(error)

    if concurrently:
        threads = [threading.Thread(target=one) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    else:
        one()
        one()
    assert errors == []
    return reports


def test_two_sweeps_at_once_queue_each_email_once(app, db, roster, deliver_pending, smtp):
    meetings = [one_off(db, roster.partnership, date(2027, 3, 16 + i)) for i in range(3)]
    now = meetings[0].starts_at - DAY + MINUTE
    concurrently = db.get_bind().dialect.name == "postgresql"

    reports = two_sessions_sweep_at_once(app, now, concurrently)

    assert sorted(r.queued for r in reports) == [0, 9]  # 3 meetings x 3 members, by one sweep
    deliver_pending(now)
    assert len(smtp.messages) == 9
    assert len({m["Message-ID"] for m in smtp.messages}) == 9
    records = db.scalars(select(MeetingReminder)).all()
    # The first meeting's 1-day reminder is due, so its 7-day one is skipped; the two later
    # meetings are still in their 7-day windows.
    assert Counter(r.status for r in records) == {"queued": 3, "skipped": 1}


def member_declines_and_abroad_opts_out(db, roster, meeting) -> None:
    db.add(
        Attendance(
            meeting_id=meeting.id,
            membership_id=roster.member.id,
            status=AttendanceStatus.DECLINED,
            responded_at=T0,
        )
    )
    db.add(
        NotificationPreference(
            user_id=roster.abroad.user_id, kind=ReminderKind.MEETING_REMINDER, enabled=False
        )
    )
    db.commit()


def test_declined_members_and_opted_out_members_get_none(
    db, roster, run_sweep, deliver_pending, smtp
):
    meeting = one_off(db, roster.partnership, date(2027, 3, 16))
    member_declines_and_abroad_opts_out(db, roster, meeting)

    run_sweep(meeting.starts_at - WEEK)
    run_sweep(meeting.starts_at - DAY)
    deliver_pending(meeting.starts_at - DAY)

    assert [m["To"] for m in smtp.messages] == [roster.facilitator.user.email] * 2


def test_cancelled_meeting_pending_reminders_are_cancelled_and_none_follow(
    db, roster, run_sweep, deliver_pending, smtp
):
    meeting = one_off(db, roster.partnership, date(2027, 3, 16))
    run_sweep(meeting.starts_at - WEEK)
    assert len(outbox(db, status=OutboxStatus.PENDING)) == 3

    cancel_meeting(db, db.get(User, roster.facilitator.user_id), meeting, "Snow day", T0)
    db.commit()
    # Cancelling the meeting cancelled its pending reminders at once; sweeps add none.
    assert len(outbox(db, status=OutboxStatus.CANCELLED)) == 3
    report = run_sweep(meeting.starts_at - WEEK + MINUTE)
    assert report.queued == 0
    run_sweep(meeting.starts_at - DAY)
    deliver_pending(meeting.starts_at - DAY)

    assert smtp.messages == []
    assert {m.status for m in outbox(db)} == {OutboxStatus.CANCELLED}


def test_moved_meeting_gets_reminders_for_its_new_time_only(
    db, roster, run_sweep, deliver_pending, smtp
):
    meeting = one_off(db, roster.partnership, date(2027, 3, 16))
    old_start = meeting.starts_at
    run_sweep(old_start - WEEK)
    actor = db.get(User, roster.facilitator.user_id)
    moved = MeetingData(
        title=meeting.title,
        starts_on=date(2027, 3, 15),
        start_time=meeting.starts_at.astimezone(ZoneInfo("America/Denver")).time(),
        duration_minutes=90,
        place=meeting.place,
        video_url=meeting.video_url,
    )
    edit_meeting(db, actor, meeting, moved, "America/Denver", T0)
    db.commit()
    new_start = meeting.starts_at
    assert new_start == old_start - DAY

    # Moving the meeting cancelled the reminders for its old time at once.
    assert len(outbox(db, status=OutboxStatus.CANCELLED)) == 3
    report = run_sweep(old_start - WEEK + MINUTE)
    # The new start's 7-day window is open: one reminder each for the new time.
    assert report.queued == 3
    deliver_pending(old_start - WEEK + MINUTE)
    run_sweep(new_start - DAY)
    deliver_pending(new_start - DAY)
    run_sweep(old_start - DAY)  # the old time's 1-day window: nothing for it
    deliver_pending(old_start - DAY)

    assert len(smtp.messages) == 6
    assert all("Monday 15 March 2027, 15:00 MDT" in m["Subject"] for m in smtp.messages)
    assert {
        m.status
        for m in outbox(db)
        if db.get(MeetingReminder, m.reminder_id).starts_at == old_start
    } == {OutboxStatus.CANCELLED}


def test_after_downtime_a_meeting_not_yet_started_gets_one_reminder_and_a_started_one_none(
    db, roster, run_sweep, deliver_pending, smtp
):
    upcoming = one_off(db, roster.partnership, date(2027, 3, 16))
    started = one_off(db, roster.partnership, date(2027, 3, 15), title="Special session")
    # The workers were down from before both meetings' 7-day windows until now.
    now = upcoming.starts_at - timedelta(hours=12)
    assert started.starts_at < now

    report = run_sweep(now)
    assert report.queued == 3
    assert report.skipped == 3  # the upcoming meeting's 7-day reminder
    assert run_sweep(now + MINUTE).queued == 0
    deliver_pending(now + MINUTE)

    assert len(smtp.messages) == 3
    assert all("Monthly partner review" in m["Subject"] for m in smtp.messages)
    assert all("tomorrow" in m.get_body(("plain",)).get_content() for m in smtp.messages)
    records = db.scalars(
        select(MeetingReminder).where(MeetingReminder.meeting_id == started.id)
    ).all()
    assert {(r.offset_minutes, r.status) for r in records} == {
        (10080, "skipped"),
        (1440, "skipped"),
    }


def test_a_reminder_not_delivered_before_the_meeting_starts_is_skipped(
    db, roster, run_sweep, deliver_pending, smtp
):
    meeting = one_off(db, roster.partnership, date(2027, 3, 16))
    run_sweep(meeting.starts_at - DAY)
    report = run_sweep(meeting.starts_at + MINUTE)
    assert report.skipped == 3
    deliver_pending(meeting.starts_at + MINUTE)
    assert smtp.messages == []
    assert {m.status for m in outbox(db)} == {OutboxStatus.SKIPPED}


def test_editing_a_meeting_after_its_reminder_went_out_sends_no_second_copy(
    db, roster, run_sweep, deliver_pending, smtp
):
    meeting = one_off(db, roster.partnership, date(2027, 3, 16))
    run_sweep(meeting.starts_at - DAY)
    deliver_pending(meeting.starts_at - DAY)
    meeting = db.get(Meeting, meeting.id)
    meeting.place = "County courthouse, room 2"
    db.commit()
    run_sweep(meeting.starts_at - DAY + MINUTE)
    deliver_pending(meeting.starts_at - DAY + MINUTE)
    assert len(smtp.messages) == 3


@pytest.mark.parametrize("offsets", [[60], [2880, 120]])
def test_a_meeting_s_own_offsets_are_honoured(db, roster, run_sweep, offsets):
    meeting = one_off(db, roster.partnership, date(2027, 3, 16))
    meeting = db.get(Meeting, meeting.id)
    meeting.reminder_offsets = offsets
    db.commit()
    for offset in offsets:
        assert run_sweep(meeting.starts_at - timedelta(minutes=offset) - MINUTE).queued == 0
        assert run_sweep(meeting.starts_at - timedelta(minutes=offset)).queued == 3


def test_the_attached_calendar_file_says_what_the_meeting_s_own_file_says(db, roster):
    from icalendar import Calendar

    from partnerhub.meetings.calendar import meeting_ics
    from partnerhub.meetings.reminders import reminder_ics

    meeting = one_off(db, roster.partnership, date(2027, 11, 9))  # after DST ends
    ours = Calendar.from_ical(reminder_ics(meeting, "America/Denver", "https://x.example/m"))
    theirs = Calendar.from_ical(meeting_ics(meeting, "America/Denver", "https://x.example/m"))
    (our_event,) = ours.walk("VEVENT")
    (their_event,) = theirs.walk("VEVENT")
    assert our_event.to_ical() == their_event.to_ical()
    assert [z["TZID"] for z in ours.walk("VTIMEZONE")] == ["America/Denver"]
    assert our_event.decoded("DTSTART") == meeting.starts_at


def test_one_click_unsubscribe_from_a_reminder_stops_the_next_ones(
    client, db, roster, run_sweep, deliver_pending, smtp
):
    meeting = one_off(db, roster.partnership, date(2027, 3, 16))
    run_sweep(meeting.starts_at - WEEK)
    deliver_pending(meeting.starts_at - WEEK)
    to_member = next(m for m in smtp.messages if m["To"] == roster.member.user.email)
    assert to_member["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = to_member["List-Unsubscribe"].strip("<>").removeprefix("http://partnerhub.test")

    assert client.post(link, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    run_sweep(meeting.starts_at - DAY)
    deliver_pending(meeting.starts_at - DAY)

    assert Counter(m["To"] for m in smtp.messages)[roster.member.user.email] == 1
    assert len(smtp.messages) == 5


def test_reminders_are_written_when_sent_with_the_agenda_as_it_then_stands(
    db, roster, run_sweep, deliver_pending, smtp
):
    meeting = one_off(db, roster.partnership, date(2027, 3, 16))
    run_sweep(meeting.starts_at - WEEK)
    waiting = outbox(db)
    assert [m.subject for m in waiting] == [None] * 3
    assert waiting[0].title == "Meeting reminder (written when sent)"

    db.add(AgendaItem(meeting_id=meeting.id, position=1, title="Truancy referrals with the SRO"))
    db.commit()
    deliver_pending(meeting.starts_at - WEEK)

    assert len(smtp.messages) == 3
    for email in smtp.messages:
        assert "Truancy referrals with the SRO" in email.get_body(("plain",)).get_content()
    sent = {m.recipient: m for m in outbox(db)}
    for email in smtp.messages:  # the row keeps what was sent
        row = sent[email["To"]]
        text = email.get_body(("plain",)).get_content().replace("\r\n", "\n")
        assert (row.status, row.subject) == (OutboxStatus.SENT, email["Subject"])
        assert row.text_body.strip() == text.strip()


def test_a_member_who_declines_or_opts_out_after_the_reminder_was_queued_gets_none(
    db, roster, run_sweep, deliver_pending, smtp
):
    meeting = one_off(db, roster.partnership, date(2027, 3, 16))
    run_sweep(meeting.starts_at - WEEK)
    member_declines_and_abroad_opts_out(db, roster, meeting)

    assert deliver_pending(meeting.starts_at - WEEK) == 1

    assert [m["To"] for m in smtp.messages] == [roster.facilitator.user.email]
    statuses = {m.recipient: m.status for m in outbox(db)}
    assert statuses == {
        roster.facilitator.user.email: OutboxStatus.SENT,
        roster.member.user.email: OutboxStatus.CANCELLED,
        roster.abroad.user.email: OutboxStatus.CANCELLED,
    }


def test_a_meeting_cancelled_while_its_reminders_are_claimed_gets_none(
    app, db, roster, run_sweep, smtp
):
    from partnerhub.notifications.delivery import write_unwritten

    meeting = one_off(db, roster.partnership, date(2027, 3, 16))
    run_sweep(meeting.starts_at - WEEK)
    meeting.status = MeetingStatus.CANCELLED  # as if after the worker claimed them
    db.commit()

    with app.app_context():
        written = write_unwritten(db, outbox(db), meeting.starts_at - WEEK)

    assert set(written.values()) == {OutboxStatus.CANCELLED}


def test_writing_a_batch_of_reminders_takes_the_same_queries_for_many_meetings(
    app, db, roster, run_sweep, count_queries
):
    from partnerhub.notifications.delivery import write_unwritten

    def queries_to_write(meetings: int) -> int:
        day = date(2027, 3, 16) + timedelta(days=30 * queries_to_write.calls)
        queries_to_write.calls += 1
        created = [one_off(db, roster.partnership, day, time(8 + n)) for n in range(meetings)]
        now = created[-1].starts_at - WEEK + MINUTE
        run_sweep(now)
        waiting = outbox(db, status=OutboxStatus.PENDING)
        with app.app_context(), count_queries() as queries:
            written = write_unwritten(db, waiting, now)
        assert len(written) == 3 * meetings
        db.execute(update(OutboxMessage).values(status=OutboxStatus.SENT))
        db.commit()
        return len(queries)

    queries_to_write.calls = 0
    assert queries_to_write(1) == queries_to_write(6)
