"""Calendar files and feeds: parsed back with icalendar and expanded with recurring-ical-events,
they give exactly the meetings the app shows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import select

from partnerhub.meetings.calendar import meeting_ics, partnership_feed, user_feed
from partnerhub.meetings.models import Meeting, MeetingStatus
from partnerhub.meetings.services import (
    MeetingData,
    cancel_meeting,
    edit_meeting,
    extend_horizons,
    schedule_meeting,
)

START = datetime(2026, 1, 1, 12, tzinfo=UTC)


def expand(ics: bytes, start: datetime, end: datetime) -> list:
    return recurring_ical_events.of(Calendar.from_ical(ics)).between(start, end)


def shown(event) -> tuple[str, datetime, str]:
    return (str(event["UID"]), event.decoded("DTSTART").astimezone(UTC), str(event["STATUS"]))


def as_app_shows(meeting: Meeting) -> tuple[str, datetime, str]:
    status = "CANCELLED" if meeting.status is MeetingStatus.CANCELLED else "CONFIRMED"
    return (meeting.uid, meeting.starts_at, status)


def test_the_feed_expands_to_exactly_the_meetings_over_24_months(make, db):
    facilitator = make.user()
    partnership = make.partnership(facilitator, timezone="America/Denver")
    series = make.series(partnership, now=START, place="Room 4")
    # A year on, the worker has extended the horizon to cover two years.
    extend_horizons(db, START + timedelta(days=365))
    meetings = list(
        db.scalars(select(Meeting).where(Meeting.series_id == series.id).order_by(Meeting.id))
    )
    assert len(meetings) == 24
    moved, cancelled = meetings[3], meetings[7]
    edit_meeting(
        db,
        facilitator,
        moved,
        MeetingData(moved.title, date(2026, 4, 16), time(9), 60, "Library"),
        partnership.timezone,
        START,
    )
    cancel_meeting(db, facilitator, cancelled, "Summer break", START)
    one_off = schedule_meeting(
        db, facilitator, partnership, MeetingData("Signing", date(2026, 5, 1), time(10), 30), START
    )
    db.flush()
    everything = [*meetings, one_off]

    ics = partnership_feed(partnership.name, everything, partnership.timezone)
    window = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
    events = expand(ics, *window)
    assert sorted(map(shown, events)) == sorted(map(as_app_shows, everything))

    by_uid = {str(e["UID"]): e for e in events}
    assert by_uid[moved.uid].decoded("DTSTART") == datetime(2026, 4, 16, 15, tzinfo=UTC)
    assert by_uid[moved.uid]["SEQUENCE"] == 1
    assert by_uid[cancelled.uid]["STATUS"] == "CANCELLED"
    # Local wall time survives DST: 15:00 in Denver in January and in July.
    assert by_uid[meetings[0].uid]["DTSTART"].to_ical() == b"20260113T150000"
    assert by_uid[meetings[6].uid]["DTSTART"].params["TZID"] == "America/Denver"


def test_a_meeting_file_is_one_event_with_its_time_zone(make, db):
    partnership = make.partnership(make.user(), timezone="Europe/Berlin")
    meeting = make.meeting(partnership, datetime(2026, 3, 30, 7, tzinfo=UTC), place="Rathaus")
    parsed = Calendar.from_ical(meeting_ics(meeting))
    (event,) = parsed.walk("VEVENT")
    (zone,) = parsed.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Berlin"
    assert event.decoded("DTSTART") == datetime(
        2026, 3, 30, 9, tzinfo=event.decoded("DTSTART").tzinfo
    )
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2026, 3, 30, 7, tzinfo=UTC)
    assert (str(event["UID"]), str(event["LOCATION"])) == (meeting.uid, "Rathaus")


def test_a_user_feed_holds_meetings_of_several_partnerships_in_their_zones(make, db):
    user = make.user()
    denver = make.partnership(user, timezone="America/Denver")
    sydney = make.partnership(user, timezone="Australia/Sydney")
    first = make.meeting(denver, datetime(2026, 6, 1, 21, tzinfo=UTC))
    second = make.meeting(sydney, datetime(2026, 6, 2, 8, tzinfo=UTC))
    ics = user_feed("My meetings", [(first, denver.timezone), (second, sydney.timezone)])
    parsed = Calendar.from_ical(ics)
    assert {str(z["TZID"]) for z in parsed.walk("VTIMEZONE")} == {
        "America/Denver",
        "Australia/Sydney",
    }
    events = expand(ics, datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert sorted(e.decoded("DTSTART").astimezone(UTC) for e in events) == [
        first.starts_at,
        second.starts_at,
    ]
    assert user_feed("Nothing yet", []).startswith(b"BEGIN:VCALENDAR")
