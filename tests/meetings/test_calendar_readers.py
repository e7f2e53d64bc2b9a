"""Feeds and meeting files read by every reader (icalendar with recurring-ical-events, ical.js,
vobject) give exactly the meetings the pages show: every start, end and status over 24 months,
in zones with and without daylight saving time, across moves, cancellations and series edits,
and at the local times clocks skip or repeat."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from partnerhub.meetings.models import Meeting
from partnerhub.meetings.recurrence import to_local
from partnerhub.meetings.services import (
    MeetingData,
    SeriesData,
    cancel_meeting,
    edit_meeting,
    edit_series,
    extend_horizons,
    schedule_meeting,
    subscribe,
)
from tests.calendar_readers import read_alike, with_icaljs
from tests.clock import NOW

START = datetime(2026, 1, 1, 12, tzinfo=UTC)
# Where each zone's clocks go back and forward in 2027: a local time that happens twice, and
# one that never happens (a zone without daylight saving time has neither).
CLOCK_CHANGES = {
    "America/Denver": (date(2027, 11, 7), date(2027, 3, 14)),
    "Europe/Berlin": (date(2027, 10, 31), date(2027, 3, 28)),
    "Asia/Kolkata": (date(2027, 11, 7), date(2027, 3, 14)),
}
REPEATED_HOUR = {"America/Denver": time(1, 30), "Europe/Berlin": time(2, 30)}


def as_pages_show(meetings) -> list[tuple]:
    return sorted(
        (m.uid, m.starts_at, m.ends_at, "CANCELLED" if m.is_cancelled else "CONFIRMED")
        for m in meetings
    )


def as_read(seen) -> list[tuple]:
    return sorted((s.uid, s.start, s.end, s.status) for s in seen)


def two_years_of_meetings(make, db, zone: str):
    """Three series over 24 months (2nd Tuesday, 5th Thursday, the 31st), one meeting moved,
    one cancelled, the 2nd-Tuesday series moved to 16:00 from the autumn, and one-offs at the
    local times the clocks repeat and skip."""
    facilitator = make.user()
    partnership = make.partnership(facilitator, timezone=zone)
    tuesdays = make.series(partnership, now=START, place="Room 4")
    for title, rule, first, at in (
        ("Fifth Thursday", "FREQ=MONTHLY;BYDAY=+5TH", date(2026, 1, 29), time(9)),
        ("Month end", "FREQ=MONTHLY;BYMONTHDAY=31", date(2026, 1, 31), time(18)),
    ):
        make.series(partnership, rule=rule, starts_on=first, start_time=at, title=title, now=START)
    extend_horizons(db, START + timedelta(days=365))
    meetings = list(
        db.scalars(select(Meeting).where(Meeting.series_id == tuesdays.id).order_by(Meeting.id))
    )
    moved, cancelled = meetings[3], meetings[7]
    edit_meeting(
        db,
        facilitator,
        moved,
        MeetingData(moved.title, date(2026, 4, 16), time(9), 60, "Library"),
        zone,
        START,
    )
    cancel_meeting(db, facilitator, cancelled, "Summer break", START)
    edit_series(
        db,
        facilitator,
        tuesdays,
        SeriesData(tuesdays.title, tuesdays.rrule, date(2026, 10, 1), time(16), 90, place="Room 5"),
        START,
    )
    repeated_on, skipped_on = CLOCK_CHANGES[zone]
    for day, at in (
        (repeated_on, REPEATED_HOUR.get(zone, time(1, 30))),
        (skipped_on, time(2, 30)),
    ):
        for minutes in (60, 30):
            schedule_meeting(
                db, facilitator, partnership, MeetingData("Night shift", day, at, minutes), START
            )
    db.commit()
    return partnership, facilitator


@pytest.mark.parametrize("zone", CLOCK_CHANGES)
def test_every_reader_reads_the_feeds_as_the_pages_show_them(make, db, client, zone):
    partnership, facilitator = two_years_of_meetings(make, db, zone)
    everything = db.scalars(select(Meeting).where(Meeting.partnership_id == partnership.id)).all()
    assert len(everything) > 45
    partnership_token = subscribe(db, facilitator, partnership.id, NOW)
    my_token = subscribe(db, facilitator, None, NOW)
    db.commit()

    for token in (partnership_token, my_token):
        response = client.get(f"/calendar/{token}.ics")
        assert response.status_code == 200
        seen = read_alike(response.data)
        assert as_read(seen) == as_pages_show(everything)
        assert all(s.end > s.start for s in seen)
        cancelled = [s for s in seen if s.status == "CANCELLED"]
        assert cancelled and all(s.title.startswith("Cancelled: ") for s in cancelled)
        assert all(s.transparency == "TRANSPARENT" for s in cancelled)


@pytest.mark.parametrize("zone", ["America/Denver", "Europe/Berlin"])
def test_a_meeting_in_the_hour_clocks_repeat_ends_after_it_starts_in_every_reader(
    make, db, client, login_as, zone
):
    partnership, facilitator = two_years_of_meetings(make, db, zone)
    night = db.scalars(
        select(Meeting).where(
            Meeting.partnership_id == partnership.id, Meeting.title == "Night shift"
        )
    ).all()
    login_as(facilitator)
    for meeting in night:
        base = f"/partnerships/{partnership.id}/meetings/{meeting.id}"
        [seen] = read_alike(client.get(f"{base}/meeting.ics").data)
        assert (seen.start, seen.end) == (meeting.starts_at, meeting.ends_at)
        assert seen.end - seen.start == timedelta(minutes=meeting.duration_minutes)
        # The page shows the same wall-clock time the product stored.
        shown = to_local(meeting.starts_at, ZoneInfo(partnership.timezone))
        assert f"{shown:%H:%M}" in client.get(base).get_data(as_text=True)


def test_time_zones_list_one_date_per_line_for_the_whole_feed(make, db, client):
    """ical.js reads one date of each RDATE line: a feed spanning years lists every change."""
    partnership, facilitator = two_years_of_meetings(make, db, "America/Denver")
    token = subscribe(db, facilitator, partnership.id, NOW)
    db.commit()
    ics = client.get(f"/calendar/{token}.ics").data
    [zone] = Calendar.from_ical(ics).walk("VTIMEZONE")
    for observance in zone.subcomponents:
        for line in observance.content_lines():
            if line.startswith("RDATE"):
                assert "," not in line
    # Every season is read with its own offset: 2nd Tuesdays at 15:00 in winter (MST) and
    # summer (MDT) 2026, and the fifth Thursday at 09:00 in summer 2027.
    starts = {s.start for s in with_icaljs(ics)}
    assert datetime(2026, 2, 10, 22, tzinfo=UTC) in starts
    assert datetime(2026, 7, 14, 21, tzinfo=UTC) in starts
    assert datetime(2027, 7, 29, 15, tzinfo=UTC) in starts
