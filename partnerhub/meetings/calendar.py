"""Meetings as iCalendar (RFC 5545, RFC 5546), built with the `icalendar` library.

Every meeting is its own VEVENT with its own stable UID, a series included: what a calendar
program shows is exactly the list of meetings the web page shows, with moved meetings at their
new time. A cancelled meeting stays in the feed as STATUS:CANCELLED, and, since some programs
ignore STATUS in subscribed calendars, also titled "Cancelled: …" and free (TRANSP:TRANSPARENT).
SEQUENCE is the meeting's, bumped on every change.

Times carry a TZID with its VTIMEZONE, so programs show 15:00 in the partnership's zone whatever
their own. Two things every reader must agree on, not only the lenient ones:
- each VTIMEZONE lists one date per RDATE line (ical.js, the engine of Thunderbird, and vobject
  read only the first date of a list);
- a local time that is ambiguous (the hour clocks go back) or does not exist is written in
  UTC: readers pick different instants for it.

Titles, places and reasons are stored text: one-line values (summary, location, calendar name)
are put on one line and the description keeps only its line breaks, so no stored text can
break the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vDuration
from icalendar.prop import vDDDLists

from partnerhub.meetings.models import Meeting, MeetingStatus
from partnerhub.text import lines, one_line

PRODID = "-//PartnerHub//Meetings//EN"

# How often subscribed programs are asked to fetch a feed again.
REFRESH = timedelta(hours=1)

CANCELLED_PREFIX = "Cancelled: "

# A meeting page's address, for the event's URL.
Link = Callable[[Meeting], str]


def meeting_ics(meeting: Meeting, timezone: str | None = None, url: str | None = None) -> bytes:
    """One meeting as a calendar file, for downloads and email attachments."""
    zone = timezone or meeting_timezone(meeting)
    calendar = _calendar(meeting.title)
    _add_timezone(calendar, zone, [meeting])
    calendar.add_component(meeting_event(meeting, zone, url))
    return calendar.to_ical()


def scheduling_ics(
    meeting: Meeting,
    timezone: str,
    url: str,
    *,
    organizer: tuple[str, str],
    attendee: tuple[str, str],
) -> bytes:
    """The meeting as a scheduling message to one person (RFC 5546): a cancellation
    (METHOD:CANCEL) when it is cancelled, else an update (METHOD:REQUEST) that replaces the
    copy they have, the same UID with a higher SEQUENCE. `organizer` and `attendee` are
    (name, email) pairs."""
    method = "CANCEL" if meeting.is_cancelled else "REQUEST"
    calendar = _calendar(meeting.title, method)
    _add_timezone(calendar, timezone, [meeting])
    event = meeting_event(meeting, timezone, url)
    event.add("organizer", _address(*organizer))
    attendee_address = _address(*attendee)
    attendee_address.params.update({"ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE"})
    event.add("attendee", attendee_address)
    calendar.add_component(event)
    return calendar.to_ical()


def _address(name: str, email: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{one_line(email)}")
    address.params["CN"] = one_line(name)
    return address


def meeting_timezone(meeting: Meeting) -> str:
    """The zone a meeting is held in: its series', else its partnership's."""
    if meeting.series is not None:
        return meeting.series.timezone
    return meeting.partnership.timezone


def partnership_feed(
    name: str, meetings: Iterable[Meeting], timezone: str, link: Link | None = None
) -> bytes:
    """A partnership's subscription feed: all of its meetings."""
    return user_feed(name, [(meeting, timezone) for meeting in meetings], link)


def user_feed(
    name: str, meetings: Iterable[tuple[Meeting, str]], link: Link | None = None
) -> bytes:
    """A feed of meetings from one or more partnerships, each in its own time zone; `link`
    gives each meeting's page."""
    meetings = list(meetings)
    calendar = _calendar(name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    by_zone: dict[str, list[Meeting]] = {}
    for meeting, zone in meetings:
        by_zone.setdefault(zone, []).append(meeting)
    for zone, zone_meetings in sorted(by_zone.items()):
        _add_timezone(calendar, zone, zone_meetings)
    for meeting, zone in meetings:
        calendar.add_component(meeting_event(meeting, zone, link(meeting) if link else None))
    return calendar.to_ical()


def meeting_event(meeting: Meeting, timezone: str, url: str | None = None) -> Event:
    """The VEVENT of one meeting; `url` is its page."""
    zone = ZoneInfo(timezone)
    event = Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", (meeting.updated_at or datetime.now(UTC)).astimezone(UTC))
    event.add("sequence", meeting.sequence)
    event.add("summary", summary(meeting))
    event.add("dtstart", wall_time(meeting.starts_at, zone))
    event.add("dtend", wall_time(meeting.ends_at, zone))
    event.add("status", "CANCELLED" if meeting.status is MeetingStatus.CANCELLED else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if meeting.is_cancelled else "OPAQUE")
    place = one_line(meeting.place)
    if place:
        event.add("location", place)
    if url:
        event.add("url", url)
    description = details(meeting, url)
    if description:
        event.add("description", lines(description))
    return event


def summary(meeting: Meeting) -> str:
    """The event's title: a cancelled meeting says so, for programs that ignore STATUS."""
    title = one_line(meeting.title)
    return CANCELLED_PREFIX + title if meeting.is_cancelled else title


def details(meeting: Meeting, url: str | None) -> str:
    """The event's description: why it was cancelled, where to join, its page."""
    description = [f"Cancelled: {meeting.cancel_reason}"] if meeting.is_cancelled else []
    if meeting.video_url:
        description.append(f"Video: {meeting.video_url}")
    if url:
        description.append(f"Agenda and minutes: {url}")
    return "\n".join(description)


# Web calendars take a single meeting from a link; its text is cut to what a URL can carry.
GOOGLE_TEMPLATE = "https://calendar.google.com/calendar/render"
OUTLOOK_COMPOSE = "https://outlook.live.com/calendar/0/deeplink/compose"
LINK_TEXT = 1000


def google_calendar_link(meeting: Meeting, url: str) -> str:
    """'Add to Google Calendar' for one meeting (`url`: its page)."""
    dates = "/".join(
        f"{m.astimezone(UTC):%Y%m%dT%H%M%SZ}" for m in (meeting.starts_at, meeting.ends_at)
    )
    return (
        GOOGLE_TEMPLATE
        + "?"
        + urlencode(
            {
                "action": "TEMPLATE",
                "text": summary(meeting),
                "dates": dates,
                "details": details(meeting, url)[:LINK_TEXT],
                "location": one_line(meeting.place),
            }
        )
    )


def outlook_link(meeting: Meeting, url: str) -> str:
    """'Add to Outlook.com' for one meeting (`url`: its page)."""
    return (
        OUTLOOK_COMPOSE
        + "?"
        + urlencode(
            {
                "path": "/calendar/action/compose",
                "rru": "addevent",
                "subject": summary(meeting),
                "startdt": f"{meeting.starts_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
                "enddt": f"{meeting.ends_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
                "body": details(meeting, url)[:LINK_TEXT],
                "location": one_line(meeting.place),
            }
        )
    )


def webcal(url: str) -> str:
    """A feed's URL as calendar programs open it to subscribe (webcal://)."""
    return "webcal://" + url.split("://", 1)[1]


def wall_time(moment: datetime, zone: ZoneInfo) -> datetime:
    """`moment` in the meeting's zone, or in UTC when that local time is ambiguous (clocks go
    back) or does not exist (clocks go forward): readers resolve those differently."""
    local = moment.astimezone(zone).replace(tzinfo=None)
    earlier, later = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() != later.utcoffset():
        return moment.astimezone(UTC)
    return moment.astimezone(zone)


def _calendar(name: str, method: str = "PUBLISH") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add("x-wr-calname", one_line(name))
    return calendar


def _add_timezone(calendar: Calendar, timezone: str, meetings: list[Meeting]) -> None:
    """A VTIMEZONE covering the meetings' years (and a year either side)."""
    first = min(m.starts_at for m in meetings).year - 1
    last = max(m.ends_at for m in meetings).year + 1
    calendar.add_component(_timezone(timezone, first, last))


@lru_cache(maxsize=64)
def _timezone(timezone: str, first_year: int, last_year: int) -> Timezone:
    """The zone's transitions from `first_year` to `last_year`, one date per RDATE line.

    Built once per zone and years (it takes ~10 ms); never changed once built.
    """
    component = Timezone.from_tzid(
        timezone, first_date=date(first_year, 1, 1), last_date=date(last_year, 12, 31)
    )
    for observance in component.subcomponents:
        listed = observance.pop("RDATE", [])
        for rdates in listed if isinstance(listed, list) else [listed]:
            for value in rdates.dts if isinstance(rdates, vDDDLists) else [rdates]:
                observance.add("rdate", value.dt)
    return component
