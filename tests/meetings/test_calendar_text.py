"""Whatever text a meeting holds, its calendar files are valid, say it on one line each, and
every reader (icalendar, ical.js, vobject) reads the same title back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from partnerhub.meetings.calendar import meeting_ics, scheduling_ics, user_feed
from partnerhub.meetings.models import Meeting, MeetingStatus
from partnerhub.text import one_line
from tests.calendar_readers import read_alike

START = datetime(2027, 3, 16, 21, tzinfo=UTC)
TEXTS = {
    "line breaks": "Review\r\nBcc: v@evil.example\nX-Other: 1\rend",
    "separators": "Room 4; east wing, \\ upstairs",
    "emoji": "Partner review \U0001f4c5\u2705",
    "control characters": "A\x00B\x01C\x0bD\x1bE\x7fF\x85G\u2028H\u2029I\tJ",
    "10 kB": "Long agenda text; with, separators \U0001f4c5 " * 250,
}


def meeting_with(text: str) -> Meeting:
    return Meeting(
        id=7,
        uid="meeting-7@partnerhub",
        title=text,
        place=text,
        video_url="https://meet.example/x",
        starts_at=START,
        ends_at=START + timedelta(hours=1),
        sequence=0,
        status=MeetingStatus.CANCELLED,
        cancel_reason=text,
    )


def no_control_characters(text: str, allowed: str = "") -> bool:
    return not any((ord(c) < 32 or 0x7F <= ord(c) < 0xA0) and c not in allowed for c in text)


@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
def test_a_calendar_file_of_any_text_parses_with_every_value_on_one_line(text):
    meeting = meeting_with(text)
    files = [
        meeting_ics(meeting, "America/Denver", "https://partnerhub.test/m/7"),
        user_feed(text, [(meeting, "America/Denver")], lambda m: "https://partnerhub.test/m/7"),
        scheduling_ics(
            meeting,
            "America/Denver",
            "https://partnerhub.test/m/7",
            organizer=(text, "partnerhub@example.org"),
            attendee=(text, "person@example.org"),
        ),
    ]
    for ics in files:
        [seen] = read_alike(ics)
        assert seen.title == "Cancelled: " + one_line(text)
        assert (seen.start, seen.end) == (START, START + timedelta(hours=1))
        for line in ics.split(b"\r\n"):
            assert no_control_characters(line.decode(), "\t"), line
        calendar = Calendar.from_ical(ics)
        [event] = calendar.walk("VEVENT")
        for name in ("SUMMARY", "LOCATION"):
            assert no_control_characters(str(event[name])), name
            assert str(event[name]).strip()
        assert no_control_characters(str(event["DESCRIPTION"]), "\n")
        assert no_control_characters(str(calendar["X-WR-CALNAME"]))


def test_separators_and_emoji_come_back_as_typed():
    text = TEXTS["separators"] + " " + TEXTS["emoji"]
    [event] = Calendar.from_ical(meeting_ics(meeting_with(text), "UTC")).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Cancelled: " + text
    assert str(event["LOCATION"]) == text


def test_line_breaks_become_spaces_in_one_line_values_and_stay_in_the_description():
    ics = meeting_ics(meeting_with("Review\r\nBcc: v@evil.example"), "UTC")
    [event] = Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Cancelled: Review Bcc: v@evil.example"
    assert str(event["DESCRIPTION"]).startswith("Cancelled: Review\nBcc: v@evil.example\n")
