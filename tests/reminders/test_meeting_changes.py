"""Calendar updates: whoever was sent a meeting gets its move (METHOD:REQUEST, a higher
SEQUENCE) or its cancellation (METHOD:CANCEL) by email, once per change, in words and as a
calendar part that every reader applies to the entry it has."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from icalendar import Calendar
from sqlalchemy import select

from partnerhub.meetings import reminders
from partnerhub.meetings.models import Meeting
from partnerhub.meetings.services import (
    MeetingData,
    SeriesData,
    cancel_meeting,
    edit_meeting,
    edit_series,
)
from partnerhub.notifications.models import NotificationPreference, ReminderKind
from tests.calendar_readers import icaljs_read, read_alike
from tests.reminders.conftest import WEEK, one_off, outbox, series

CHANGES = ReminderKind.MEETING_CHANGE.value


@pytest.fixture(autouse=True)
def _in_the_app(app):
    """The services run in the app, as the pages call them (they render the emails)."""
    with app.app_context():
        yield


def calendar_part(message):
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return part


def sent_changes(smtp) -> list:
    return [
        m
        for m in smtp.messages
        if any(p.get_content_type() == "text/calendar" for p in m.walk())
        and "Reminder:" not in m["Subject"]
    ]


def reminded(db, roster, run_sweep, deliver_pending, meeting):
    """Send the week-ahead reminder of `meeting` to everyone on the roster."""
    moment = meeting.starts_at - WEEK
    assert run_sweep(moment).queued == 3
    assert deliver_pending(moment) == 3
    return moment


def test_a_moved_meeting_sends_an_update_that_every_reader_applies(
    db, roster, run_sweep, deliver_pending, smtp
):
    meeting = one_off(db, roster.partnership, date(2027, 3, 16))
    now = reminded(db, roster, run_sweep, deliver_pending, meeting)
    db.add(
        NotificationPreference(
            user_id=roster.member.user_id, kind=ReminderKind.MEETING_CHANGE, enabled=False
        )
    )
    db.commit()

    edit_meeting(
        db,
        roster.facilitator.user,
        meeting,
        MeetingData(
            meeting.title, date(2027, 3, 17), time(16), 90, meeting.place, meeting.video_url
        ),
        roster.partnership.timezone,
        now,
    )
    db.commit()
    queued = outbox(db, kind=CHANGES)
    assert sorted(m.recipient for m in queued) == ["bea@helena.example", "fiona@helena.example"]
    deliver_pending(now)

    updates = sent_changes(smtp)
    assert sorted(m["To"] for m in updates) == ["bea@helena.example", "fiona@helena.example"]
    for message in updates:
        part = calendar_part(message)
        assert part.get_param("method") == "REQUEST"
        ics = part.get_payload(decode=True)
        [seen] = read_alike(ics)
        assert (seen.uid, seen.sequence, seen.status) == (meeting.uid, 1, "CONFIRMED")
        assert (seen.start, seen.end) == (
            datetime(2027, 3, 17, 22, tzinfo=UTC),
            datetime(2027, 3, 17, 23, 30, tzinfo=UTC),
        )
        assert icaljs_read(ics)["method"] == "REQUEST"
        text = message.get_body(("plain",)).get_content()
        assert (
            "Moved from Tue 16 Mar 15:00-16:30 to Wed 17 Mar 16:00-17:30 (America/Denver)" in text
        )
        [event] = Calendar.from_ical(ics).walk("VEVENT")
        assert event["ORGANIZER"].params["CN"] == "Helena Youth Partnership"
        assert str(event["ORGANIZER"]).startswith("mailto:")
        assert str(event["ATTENDEE"]) == f"mailto:{message['To']}"
        assert message["Subject"].startswith("Changed: Monthly partner review")


def test_a_cancelled_meeting_sends_a_cancellation_once_per_person(
    db, roster, run_sweep, deliver_pending, smtp
):
    meeting = one_off(db, roster.partnership, date(2027, 3, 16))
    now = reminded(db, roster, run_sweep, deliver_pending, meeting)
    before = reminders.Shown.of(meeting)
    facilitator = roster.facilitator.user
    cancel_meeting(db, facilitator, meeting, "Snow day; schools closed", now)
    # The same change announced again (a retried request) queues nothing new.
    assert reminders.announce_change(db, meeting, before, now) == 3
    db.commit()
    assert len(outbox(db, kind=CHANGES)) == 3
    deliver_pending(now)

    cancellations = sent_changes(smtp)
    assert len(cancellations) == 3
    for message in cancellations:
        part = calendar_part(message)
        assert part.get_param("method") == "CANCEL"
        ics = part.get_payload(decode=True)
        [seen] = read_alike(ics)
        assert (seen.uid, seen.sequence, seen.status, seen.transparency) == (
            meeting.uid,
            1,
            "CANCELLED",
            "TRANSPARENT",
        )
        assert seen.title == "Cancelled: Monthly partner review"
        assert icaljs_read(ics)["method"] == "CANCEL"
        assert "Cancelled: Snow day; schools closed" in message.get_body(("plain",)).get_content()
    deliver_pending(now)
    assert len(sent_changes(smtp)) == 3


def test_only_those_who_were_sent_the_meeting_get_its_changes(
    db, roster, run_sweep, deliver_pending, smtp
):
    meeting = one_off(db, roster.partnership, date(2027, 3, 16))
    # Reminders are queued, not yet sent: nobody has the meeting in a calendar from us.
    assert run_sweep(meeting.starts_at - WEEK).queued == 3
    cancel_meeting(db, roster.facilitator.user, meeting, "Snow", meeting.starts_at - WEEK)
    db.commit()
    assert outbox(db, kind=CHANGES) == []


def test_a_series_change_updates_each_meeting_people_were_sent(
    db, roster, run_sweep, deliver_pending, smtp
):
    start = datetime(2027, 3, 1, 12, tzinfo=UTC)
    made = series(
        db, roster.partnership, "FREQ=MONTHLY;BYDAY=+2TU", date(2027, 3, 9), time(15), start
    )
    first, second = db.scalars(
        select(Meeting).where(Meeting.series_id == made.id).order_by(Meeting.starts_at).limit(2)
    ).all()
    now = reminded(db, roster, run_sweep, deliver_pending, first)
    edit_series(
        db,
        roster.facilitator.user,
        made,
        SeriesData(made.title, made.rrule, made.starts_on, time(16), 60),
        now,
    )
    db.commit()
    queued = outbox(db, kind=CHANGES)
    # Only the first meeting had been sent; the second had not.
    assert {m.about for m in queued} == {f"meeting:{first.id}"} and len(queued) == 3
    deliver_pending(now)
    for message in sent_changes(smtp):
        [seen] = read_alike(calendar_part(message).get_payload(decode=True))
        assert (seen.uid, seen.start) == (first.uid, datetime(2027, 3, 9, 23, tzinfo=UTC))
        assert "Moved from Tue 9 Mar 15:00-16:00 to Tue 9 Mar 16:00-17:00 (America/Denver)" in (
            message.get_body(("plain",)).get_content()
        )
    assert second.sequence == 1


def test_a_reminder_for_the_hour_clocks_repeat_reads_alike_in_every_reader(
    db, roster, run_sweep, deliver_pending, smtp
):
    # 01:30 on 7 November 2027 happens twice in Denver; the product means the first (MDT).
    meeting = one_off(db, roster.partnership, date(2027, 11, 7), time(1, 30))
    reminded(db, roster, run_sweep, deliver_pending, meeting)
    for message in smtp.messages:
        part = calendar_part(message)
        assert part.get_param("method") == "PUBLISH"
        [seen] = read_alike(part.get_payload(decode=True))
        assert (seen.uid, seen.start, seen.end) == (
            meeting.uid,
            datetime(2027, 11, 7, 7, 30, tzinfo=UTC),
            datetime(2027, 11, 7, 9, 0, tzinfo=UTC),
        )
