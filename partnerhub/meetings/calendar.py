"""Meetings as iCalendar (RFC 5545), built with the `icalendar` library.

Every meeting is its own VEVENT with its own stable UID, a series included: what a calendar
program shows is exactly the list of meetings the web page shows, with moved meetings at their
new time and cancelled ones as STATUS:CANCELLED (so clients that had them drop them). SEQUENCE
is the meeting's, bumped on every change. Times carry a TZID with its VTIMEZONE, so programs
show 15:00 in the partnership's zone whatever their own.

Titles, places and reasons are stored text: one-line values (summary, location, calendar name)
are put on one line and the description keeps only its line breaks, so no stored text can
break the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

from partnerhub.meetings.models import Meeting, MeetingStatus
from partnerhub.text import lines, one_line

PRODID = "-//PartnerHub//Meetings//EN"


def meeting_ics(meeting: Meeting, timezone: str | None = None, url: str | None = None) -> bytes:
    """One meeting as a calendar file, for downloads and email attachments."""
    zone = timezone or meeting_timezone(meeting)
    calendar = _calendar(meeting.title)
    _add_timezone(calendar, zone, [meeting])
    calendar.add_component(meeting_event(meeting, zone, url))
    return calendar.to_ical()


def meeting_timezone(meeting: Meeting) -> str:
    """The zone a meeting is held in: its series', else its partnership's."""
    if meeting.series is not None:
        return meeting.series.timezone
    return meeting.partnership.timezone


def partnership_feed(name: str, meetings: Iterable[Meeting], timezone: str) -> bytes:
    """A partnership's subscription feed: all of its meetings."""
    return user_feed(name, [(meeting, timezone) for meeting in meetings])


def user_feed(name: str, meetings: Iterable[tuple[Meeting, str]]) -> bytes:
    """A feed of meetings from one or more partnerships, each in its own time zone."""
    meetings = list(meetings)
    calendar = _calendar(name)
    by_zone: dict[str, list[Meeting]] = {}
    for meeting, zone in meetings:
        by_zone.setdefault(zone, []).append(meeting)
    for zone, zone_meetings in sorted(by_zone.items()):
        _add_timezone(calendar, zone, zone_meetings)
    for meeting, zone in meetings:
        calendar.add_component(meeting_event(meeting, zone))
    return calendar.to_ical()


def meeting_event(meeting: Meeting, timezone: str, url: str | None = None) -> Event:
    """The VEVENT of one meeting."""
    zone = ZoneInfo(timezone)
    event = Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", (meeting.updated_at or datetime.now(UTC)).astimezone(UTC))
    event.add("sequence", meeting.sequence)
    event.add("summary", one_line(meeting.title))
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("status", "CANCELLED" if meeting.status is MeetingStatus.CANCELLED else "CONFIRMED")
    place, video_url = one_line(meeting.place), one_line(meeting.video_url)
    if place:
        event.add("location", place)
    if video_url:
        event.add("url", video_url)
    description = [f"Cancelled: {meeting.cancel_reason}"] if meeting.is_cancelled else []
    if meeting.video_url:
        description.append(f"Video: {meeting.video_url}")
    if url:
        description.append(f"Agenda and minutes: {url}")
    if description:
        event.add("description", lines("\n".join(description)))
    return event


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", one_line(name))
    return calendar


def _add_timezone(calendar: Calendar, timezone: str, meetings: list[Meeting]) -> None:
    """A VTIMEZONE covering the meetings' dates (and a year either side)."""
    first = min(m.starts_at for m in meetings) - timedelta(days=366)
    last = max(m.ends_at for m in meetings) + timedelta(days=366)
    calendar.add_component(
        Timezone.from_tzid(timezone, first_date=first.date(), last_date=last.date())
    )
