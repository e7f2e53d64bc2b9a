"""Recurrence rules (RFC 5545 RRULE) computed in a partnership's local wall time.

A series says "15:00 on the second Tuesday" in its time zone, so occurrences are computed as
naive local date-times with dateutil and only then given the zone and turned into UTC: 15:00
stays 15:00 across daylight-saving changes.

Local times that do not exist or happen twice are resolved the way RFC 5545 (section 3.3.5)
asks and `zoneinfo` does with fold=0:
- a time in the spring-forward gap (02:30 on the night clocks jump from 02:00 to 03:00) is
  read with the offset before the gap, so it lands after the gap (03:30): it shifts forward;
- a time in the autumn overlap (01:30 when clocks fall back from 02:00 to 01:00) means the
  first of the two 01:30s, still on daylight time.

Rules are stored without DTSTART (the series has `starts_on` and `start_time`). UNTIL, when
present, is stored as a local date-time, because dateutil requires UNTIL and DTSTART to agree
on being zone-aware or not.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr
from icalendar.prop import vRecur, vWeekday

from partnerhub.errors import DomainError

# Occurrences exist as Meeting rows this far ahead.
HORIZON = timedelta(days=366)
# A rule may not produce more occurrences than this in one horizon (no "every minute").
MAX_OCCURRENCES_PER_HORIZON = 400
ALLOWED_FREQUENCIES = {"YEARLY", "MONTHLY", "WEEKLY", "DAILY"}
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}


class RuleError(DomainError, ValueError):
    """A recurrence rule that cannot be used; the message is shown next to the field."""


@dataclass(frozen=True)
class Schedule:
    """What recurrence needs to know about a series."""

    rule: str
    starts_on: date
    start_time: time
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def first_local(self) -> datetime:
        return datetime.combine(self.starts_on, self.start_time)


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive local wall time in `zone` as UTC (gap: shift forward; overlap: the first)."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def to_local(instant: datetime, zone: ZoneInfo) -> datetime:
    """A UTC instant as a naive local wall time in `zone`."""
    return instant.astimezone(zone).replace(tzinfo=None)


def parse_parts(rule: str) -> dict[str, str]:
    """The NAME=VALUE parts of an RRULE value, in order, names upper-cased."""
    parts: dict[str, str] = {}
    for piece in rule.strip().split(";"):
        if not piece:
            continue
        name, sep, value = piece.partition("=")
        if not sep or not value:
            raise RuleError(f"“{piece}” is not NAME=VALUE.")
        parts[name.strip().upper()] = value.strip().upper()
    return parts


def format_parts(parts: dict[str, str]) -> str:
    return ";".join(f"{name}={value}" for name, value in parts.items())


def build_rule(schedule: Schedule) -> rrule:
    """The dateutil rule of a schedule, over naive local date-times."""
    return rrulestr(schedule.rule, dtstart=schedule.first_local)


def occurrences(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    """The UTC start times of the occurrences in [start, end)."""
    zone = schedule.zone
    # Widen the local window by a day on each side; the exact cut is made in UTC.
    low = max(to_local(start, zone) - timedelta(days=1), schedule.first_local)
    high = to_local(end, zone) + timedelta(days=1)
    found = []
    for local in build_rule(schedule).between(low, high, inc=True):
        instant = to_utc(local, zone)
        if start <= instant < end:
            found.append(instant)
    return found


def normalize_rule(text: str, timezone: str) -> str:
    """Check a user's RRULE and return it in stored form, or raise RuleError saying why."""
    text = text.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if not text:
        raise RuleError("Enter a rule, e.g. FREQ=MONTHLY;BYDAY=+2TU.")
    if "\n" in text or "DTSTART" in text.upper():
        raise RuleError("Give only the RRULE value; the start comes from the date and time.")
    parts = parse_parts(text)
    frequency = parts.get("FREQ")
    if frequency is None:
        raise RuleError("The rule needs FREQ (YEARLY, MONTHLY, WEEKLY or DAILY).")
    if frequency not in ALLOWED_FREQUENCIES:
        raise RuleError("Meetings repeat yearly, monthly, weekly or daily at most.")
    if "COUNT" in parts and "UNTIL" in parts:
        raise RuleError("Give either COUNT or UNTIL, not both.")
    if "UNTIL" in parts:
        parts["UNTIL"] = _local_until(parts["UNTIL"], timezone)
    rule = format_parts(parts)
    try:
        rrulestr(rule, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError) as error:
        raise RuleError(f"Not a valid RRULE: {error}.") from error
    return rule


def _local_until(value: str, timezone: str) -> str:
    """UNTIL as a local date-time: a date means the end of that day; UTC is converted."""
    try:
        if len(value) == 8:
            day = datetime.strptime(value, "%Y%m%d")
            return day.replace(hour=23, minute=59, second=59).strftime("%Y%m%dT%H%M%S")
        if value.endswith("Z"):
            instant = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            return to_local(instant, ZoneInfo(timezone)).strftime("%Y%m%dT%H%M%S")
        datetime.strptime(value, "%Y%m%dT%H%M%S")
        return value
    except (ValueError, ZoneInfoNotFoundError) as error:
        raise RuleError(f"UNTIL={value} is not a date (YYYYMMDD) or date-time.") from error


def check_produces_meetings(schedule: Schedule, now: datetime) -> None:
    """Refuse a rule with no occurrence at all, or with far too many for a meeting."""
    if next(iter(build_rule(schedule)), None) is None:
        raise RuleError("This rule gives no meetings on or after the start date.")
    window_start = max(now, to_utc(schedule.first_local, schedule.zone))
    count = len(occurrences(schedule, window_start, window_start + HORIZON))
    if count > MAX_OCCURRENCES_PER_HORIZON:
        raise RuleError("This rule gives more meetings than a partnership can hold.")


def with_end(rule: str, until: date | None = None, count: int | None = None) -> str:
    """The rule ending on a date (inclusive) or after a number of meetings, or never."""
    parts = parse_parts(rule)
    parts.pop("UNTIL", None)
    parts.pop("COUNT", None)
    if until is not None:
        parts["UNTIL"] = until.strftime("%Y%m%dT235959")
    elif count is not None:
        parts["COUNT"] = str(count)
    return format_parts(parts)


# The repeat patterns a facilitator picks from; "custom" takes an RRULE as written.
FREQUENCIES = {
    "monthly_weekday": "Monthly on the Nth weekday (e.g. the second Tuesday)",
    "monthly_last_weekday": "Monthly on the last weekday (e.g. the last Friday)",
    "monthly_date": "Monthly on a date (e.g. the 15th)",
    "weekly": "Weekly",
    "every_n_weeks": "Every N weeks",
    "custom": "Custom rule (RRULE)",
}
# A date every month has; later dates would skip the shorter months.
LAST_DAY_EVERY_MONTH = 28


def week_of_month(day: date) -> int:
    """1 for the first such weekday of the month, 2 for the second, … 5 for the fifth."""
    return (day.day - 1) // 7 + 1


@dataclass(frozen=True)
class Pattern:
    """A repeat pattern in the words of the series form: "monthly on the 2nd Tuesday"."""

    frequency: str
    weekday: int = 1  # Monday is 0
    ordinal: int = 1  # the Nth weekday of the month
    interval: int = 1  # every N weeks
    day: int = 1  # the date of the month

    @property
    def rule(self) -> str:
        """The RRULE value the pattern means."""
        code = WEEKDAY_CODES[self.weekday]
        rules = {
            "monthly_weekday": f"FREQ=MONTHLY;BYDAY=+{self.ordinal}{code}",
            "monthly_last_weekday": f"FREQ=MONTHLY;BYDAY=-1{code}",
            "monthly_date": f"FREQ=MONTHLY;BYMONTHDAY={self.day}",
            "weekly": f"FREQ=WEEKLY;BYDAY={code}",
            "every_n_weeks": f"FREQ=WEEKLY;INTERVAL={self.interval};BYDAY={code}",
        }
        if self.frequency not in rules:
            raise RuleError(f"Unknown repeat pattern {self.frequency!r}.")
        return rules[self.frequency]


def pattern_of(rule: str) -> Pattern | None:
    """The form's pattern a stored rule is (its end aside), or None for any other rule."""
    recur = _recur(rule)
    if recur is None:
        return None
    shape = {name for name in recur if name not in ("UNTIL", "COUNT")}
    frequency, interval = recur["FREQ"][0], recur.get("INTERVAL", [1])[0]
    days = [vWeekday(code) for code in recur.get("BYDAY", [])]
    day = days[0] if len(days) == 1 else None
    weekday = WEEKDAY_CODES.index(day.weekday) if day is not None else None
    if frequency == "WEEKLY" and day is not None and not day.relative:
        if shape == {"FREQ", "BYDAY"}:
            return Pattern("weekly", weekday)
        if shape == {"FREQ", "BYDAY", "INTERVAL"}:
            return Pattern("every_n_weeks", weekday, interval=interval)
    if frequency != "MONTHLY" or interval != 1:
        return None
    if shape == {"FREQ", "BYDAY"} and day is not None and day.relative in (1, 2, 3, 4):
        return Pattern("monthly_weekday", weekday, ordinal=day.relative)
    if shape == {"FREQ", "BYDAY"} and day is not None and day.relative == -1:
        return Pattern("monthly_last_weekday", weekday)
    monthdays = recur.get("BYMONTHDAY", [])
    if shape == {"FREQ", "BYMONTHDAY"} and len(monthdays) == 1 and 0 < monthdays[0] <= 31:
        return Pattern("monthly_date", day=monthdays[0])
    return None


def first_date(rule: str, not_before: date) -> date | None:
    """The first day on or after `not_before` that the rule's pattern falls on.

    The interval is left out: "every 2 weeks on Tuesday from December" starts on December's
    first Tuesday, where dateutil, counting weeks from the 1st, could skip a week.
    """
    parts = parse_parts(rule)
    for name in ("INTERVAL", "COUNT", "UNTIL"):
        parts.pop(name, None)
    first = next(iter(rrulestr(format_parts(parts), dtstart=_midnight(not_before))), None)
    return first.date() if first is not None else None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


@lru_cache(maxsize=512)
def describe(rule: str) -> str:
    """The rule in plain words, e.g. "Monthly on the second Tuesday, 12 times", read through
    icalendar's vRecur; a rule it cannot read is shown as written. Kept for each rule: a
    site has few, and the meetings page words each series' rule at every load."""
    recur = _recur(rule)
    if recur is None:
        return rule
    every = {"YEARLY": "year", "MONTHLY": "month", "WEEKLY": "week", "DAILY": "day"}
    unit = every.get(recur["FREQ"][0])
    if unit is None:
        return rule
    interval = recur.get("INTERVAL", [1])[0]
    if interval == 1:
        words = {"year": "Yearly", "month": "Monthly", "week": "Weekly", "day": "Daily"}[unit]
    else:
        words = f"Every {NUMBERS.get(interval, str(interval))} {unit}s"
    if "BYDAY" in recur:
        words += " on " + ", ".join(_day_in_words(vWeekday(code)) for code in recur["BYDAY"])
    elif "BYMONTHDAY" in recur:
        words += " on the " + ", ".join(_nth(day) for day in recur["BYMONTHDAY"])
    if "COUNT" in recur:
        words += f", {recur['COUNT'][0]} times"
    if "UNTIL" in recur:
        words += f", until {recur['UNTIL'][0]:%d %b %Y}"
    return words


def cadence(rule: str, start_time: time, duration_minutes: int, timezone: str) -> str:
    """How often and when a series meets, e.g. "Monthly on the second Tuesday,
    15:00-16:30 (America/Denver)" (with an en dash between the times)."""
    ends = datetime.combine(date(2000, 1, 1), start_time) + timedelta(minutes=duration_minutes)
    return f"{describe(rule)}, {start_time:%H:%M}\N{EN DASH}{ends:%H:%M} ({timezone})"


NUMBERS = {2: "two", 3: "three", 4: "four", 6: "six"}


def _recur(rule: str):
    """The rule as icalendar reads it (FREQ present), or None when it cannot be read."""
    try:
        recur = vRecur.from_ical(rule.strip())
    except (ValueError, TypeError, KeyError):
        return None
    return recur if recur.get("FREQ") else None


def _day_in_words(day: vWeekday) -> str:
    name = calendar.day_name[WEEKDAY_CODES.index(day.weekday)]
    if not day.relative:
        return name
    return f"the {ORDINALS.get(day.relative, _nth(day.relative))} {name}"


def _nth(number: int) -> str:
    """1st, 2nd, 3rd, 4th … 21st; -1 is "last day"."""
    if number < 0:
        return "last day" if number == -1 else f"{_nth(-number)} day from the end"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    if 10 <= number % 100 <= 20:
        suffix = "th"
    return f"{number}{suffix}"


def split(schedule: Schedule, first_local_of_rest: datetime) -> tuple[str, str]:
    """Cut a rule before `first_local_of_rest`: (rule of the earlier part, rule of the rest).

    A COUNT is shared between the two parts, so together they still hold COUNT meetings.
    """
    parts = parse_parts(schedule.rule)
    before = parts.copy()
    rest = parts.copy()
    if "COUNT" in parts:
        earlier = build_rule(schedule).between(
            schedule.first_local, first_local_of_rest - timedelta(seconds=1), inc=True
        )
        held_count = min(len(earlier), int(parts["COUNT"]))
        before["COUNT"] = str(max(held_count, 1))
        rest["COUNT"] = str(max(int(parts["COUNT"]) - held_count, 1))
    else:
        before["UNTIL"] = (first_local_of_rest - timedelta(seconds=1)).strftime("%Y%m%dT%H%M%S")
    return format_parts(before), format_parts(rest)
