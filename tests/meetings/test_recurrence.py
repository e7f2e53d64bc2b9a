"""Recurrence in local wall time, checked against dates and offsets worked out by hand.

The expected UTC times below come from the published DST rules of each zone, not from the
code under test: America/Denver (UTC-7, UTC-6 from the 2nd Sunday of March to the 1st Sunday
of November), Europe/Berlin (UTC+1, UTC+2 from the last Sunday of March to the last Sunday of
October), Australia/Sydney (UTC+10, UTC+11 from the 1st Sunday of October to the 1st Sunday
of April).
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partnerhub.meetings.recurrence import (
    Pattern,
    RuleError,
    Schedule,
    cadence,
    describe,
    first_date,
    normalize_rule,
    occurrences,
    pattern_of,
    split,
    to_local,
    week_of_month,
    with_end,
)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def all_of(schedule: Schedule, years: int = 2) -> list[datetime]:
    return occurrences(schedule, utc(2000, 1, 1), utc(schedule.starts_on.year + years, 1, 1))


def test_second_tuesday_in_denver_keeps_15_00_local_across_dst():
    schedule = Schedule("FREQ=MONTHLY;BYDAY=+2TU", date(2026, 1, 13), time(15), "America/Denver")
    found = occurrences(schedule, utc(2026, 1, 1), utc(2027, 1, 1))
    days = [13, 10, 10, 14, 12, 9, 14, 11, 8, 13, 10, 8]
    # Mountain Standard Time (UTC-7) in Jan, Feb, Nov, Dec; daylight time (UTC-6) in between.
    hours = [22, 22, 21, 21, 21, 21, 21, 21, 21, 21, 22, 22]
    assert found == [utc(2026, m, d, h) for m, d, h in zip(range(1, 13), days, hours, strict=True)]


def test_weekly_in_berlin_moves_utc_hour_at_the_last_sundays_of_march_and_october():
    schedule = Schedule("FREQ=WEEKLY;BYDAY=MO", date(2026, 3, 16), time(9), "Europe/Berlin")
    spring = occurrences(schedule, utc(2026, 3, 16), utc(2026, 4, 1))
    assert spring == [utc(2026, 3, 16, 8), utc(2026, 3, 23, 8), utc(2026, 3, 30, 7)]
    autumn = occurrences(schedule, utc(2026, 10, 19), utc(2026, 11, 3))
    assert autumn == [utc(2026, 10, 19, 7), utc(2026, 10, 26, 8), utc(2026, 11, 2, 8)]


def test_monthly_on_the_15th_in_sydney_follows_southern_hemisphere_dst():
    schedule = Schedule(
        "FREQ=MONTHLY;BYMONTHDAY=15", date(2026, 3, 15), time(18), "Australia/Sydney"
    )
    found = occurrences(schedule, utc(2026, 3, 1), utc(2026, 11, 1))
    # AEDT (UTC+11) until 5 April 2026, AEST (UTC+10) until 4 October, then AEDT again.
    assert found == [
        utc(2026, 3, 15, 7),
        utc(2026, 4, 15, 8),
        utc(2026, 5, 15, 8),
        utc(2026, 6, 15, 8),
        utc(2026, 7, 15, 8),
        utc(2026, 8, 15, 8),
        utc(2026, 9, 15, 8),
        utc(2026, 10, 15, 7),
    ]


def test_a_time_in_the_spring_forward_gap_shifts_forward():
    schedule = Schedule("FREQ=DAILY", date(2026, 3, 7), time(2, 30), "America/Denver")
    found = occurrences(schedule, utc(2026, 3, 7), utc(2026, 3, 10))
    # 02:30 does not exist on 8 March; the meeting is at 03:30 MDT, i.e. 09:30 UTC.
    assert found == [utc(2026, 3, 7, 9, 30), utc(2026, 3, 8, 9, 30), utc(2026, 3, 9, 8, 30)]


def test_a_time_in_the_sydney_gap_shifts_forward():
    schedule = Schedule("FREQ=MONTHLY;BYDAY=1SU", date(2026, 9, 6), time(2, 30), "Australia/Sydney")
    found = occurrences(schedule, utc(2026, 9, 1), utc(2026, 10, 10))
    # 6 Sep 02:30 AEST = 16:30 UTC the day before; 4 Oct 02:30 does not exist -> 03:30 AEDT.
    assert found == [utc(2026, 9, 5, 16, 30), utc(2026, 10, 3, 16, 30)]


def test_an_ambiguous_time_in_the_autumn_overlap_takes_the_first():
    schedule = Schedule("FREQ=DAILY", date(2026, 10, 31), time(1, 30), "America/Denver")
    found = occurrences(schedule, utc(2026, 10, 31), utc(2026, 11, 3))
    # 1 Nov 01:30 happens twice; the first is still on daylight time (UTC-6).
    assert found == [utc(2026, 10, 31, 7, 30), utc(2026, 11, 1, 7, 30), utc(2026, 11, 2, 8, 30)]


def test_monthly_on_the_31st_skips_shorter_months():
    schedule = Schedule("FREQ=MONTHLY;BYMONTHDAY=31", date(2026, 1, 31), time(12), "UTC")
    months = [m for m in range(1, 13) if calendar.monthrange(2026, m)[1] == 31]
    assert all_of(schedule, 1) == [utc(2026, m, 31, 12) for m in months]


def test_last_day_of_month_with_minus_one():
    schedule = Schedule("FREQ=MONTHLY;BYMONTHDAY=-1", date(2026, 1, 31), time(12), "UTC")
    expected = [utc(2026, m, calendar.monthrange(2026, m)[1], 12) for m in range(1, 13)]
    assert all_of(schedule, 1) == expected


def test_fifth_tuesday_only_in_months_that_have_one():
    schedule = Schedule("FREQ=MONTHLY;BYDAY=+5TU", date(2026, 1, 1), time(15), "UTC")
    expected = []
    for year in (2026, 2027):
        for month in range(1, 13):
            tuesdays = [
                week[calendar.TUESDAY]
                for week in calendar.monthcalendar(year, month)
                if week[calendar.TUESDAY]
            ]
            if len(tuesdays) == 5:
                expected.append(utc(year, month, tuesdays[4], 15))
    assert all_of(schedule) == expected
    assert len(expected) >= 6


def test_count_and_until_end_the_series():
    counted = Schedule("FREQ=MONTHLY;BYDAY=+2TU;COUNT=3", date(2026, 1, 13), time(15), "UTC")
    assert all_of(counted) == [utc(2026, 1, 13, 15), utc(2026, 2, 10, 15), utc(2026, 3, 10, 15)]
    rule = with_end("FREQ=MONTHLY;BYDAY=+2TU", until=date(2026, 3, 10))
    until = Schedule(rule, date(2026, 1, 13), time(15), "America/Denver")
    # UNTIL is the end of that local day, so the meeting on 10 March is the last.
    assert all_of(until) == [utc(2026, 1, 13, 22), utc(2026, 2, 10, 22), utc(2026, 3, 10, 21)]


@pytest.mark.parametrize(
    ("pattern", "rule", "words"),
    [
        (Pattern("weekly", weekday=0), "FREQ=WEEKLY;BYDAY=MO", "Weekly on Monday"),
        (
            Pattern("every_n_weeks", weekday=1, interval=2),
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
            "Every two weeks on Tuesday",
        ),
        (
            Pattern("monthly_weekday", weekday=1, ordinal=1),
            "FREQ=MONTHLY;BYDAY=+1TU",
            "Monthly on the first Tuesday",
        ),
        (
            Pattern("monthly_weekday", weekday=1, ordinal=2),
            "FREQ=MONTHLY;BYDAY=+2TU",
            "Monthly on the second Tuesday",
        ),
        (
            Pattern("monthly_weekday", weekday=2, ordinal=3),
            "FREQ=MONTHLY;BYDAY=+3WE",
            "Monthly on the third Wednesday",
        ),
        (
            Pattern("monthly_weekday", weekday=3, ordinal=4),
            "FREQ=MONTHLY;BYDAY=+4TH",
            "Monthly on the fourth Thursday",
        ),
        (
            Pattern("monthly_last_weekday", weekday=4),
            "FREQ=MONTHLY;BYDAY=-1FR",
            "Monthly on the last Friday",
        ),
        (Pattern("monthly_date", day=15), "FREQ=MONTHLY;BYMONTHDAY=15", "Monthly on the 15th"),
        (Pattern("monthly_date", day=1), "FREQ=MONTHLY;BYMONTHDAY=1", "Monthly on the 1st"),
        (Pattern("monthly_date", day=22), "FREQ=MONTHLY;BYMONTHDAY=22", "Monthly on the 22nd"),
    ],
)
def test_patterns_give_their_rules_in_words_and_back(pattern, rule, words):
    assert pattern.rule == rule
    assert describe(rule) == words
    assert pattern_of(rule) == pattern
    assert pattern_of(rule + ";COUNT=12") == pattern


def test_rules_read_with_their_end_interval_and_several_days():
    assert describe("FREQ=MONTHLY;BYDAY=+2TU;COUNT=12") == (
        "Monthly on the second Tuesday, 12 times"
    )
    assert describe("FREQ=MONTHLY;INTERVAL=3;BYDAY=+2TU") == (
        "Every three months on the second Tuesday"
    )
    assert describe("FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270630T235959") == (
        "Weekly on Monday, Wednesday, until 30 Jun 2027"
    )
    assert describe("FREQ=MONTHLY;BYMONTHDAY=-1") == "Monthly on the last day"
    assert describe("not a rule") == "not a rule"
    assert pattern_of("FREQ=MONTHLY;INTERVAL=3;BYDAY=+2TU") is None
    assert pattern_of("FREQ=WEEKLY;BYDAY=MO,WE") is None


def test_cadence_says_how_often_when_and_in_which_zone():
    assert cadence("FREQ=MONTHLY;BYDAY=+2TU", time(15), 90, "America/Denver") == (
        "Monthly on the second Tuesday, 15:00\N{EN DASH}16:30 (America/Denver)"
    )
    assert cadence("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", time(23, 30), 60, "UTC") == (
        "Every two weeks on Tuesday, 23:30\N{EN DASH}00:30 (UTC)"
    )


def test_the_first_date_is_worked_out_from_the_month():
    december = date(2026, 12, 1)  # a Tuesday
    assert first_date("FREQ=MONTHLY;BYDAY=+2TU", december) == date(2026, 12, 8)
    assert first_date("FREQ=MONTHLY;BYDAY=-1FR", december) == date(2026, 12, 25)
    assert first_date("FREQ=MONTHLY;BYMONTHDAY=15", december) == date(2026, 12, 15)
    assert first_date("FREQ=WEEKLY;BYDAY=TU", december) == date(2026, 12, 1)
    # Every two weeks from a Wednesday the 1st: the first Tuesday, not one two weeks later.
    assert first_date("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", date(2027, 9, 1)) == date(2027, 9, 7)
    # Past the 2nd Tuesday of the month: the next month's.
    assert first_date("FREQ=MONTHLY;BYDAY=+2TU", date(2026, 12, 9)) == date(2027, 1, 12)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a rule"),
        ("BYDAY=TU", "needs FREQ"),
        ("FREQ=HOURLY", "monthly, weekly or daily"),
        ("FREQ=MONTHLY;BYDAY=XX", "Not a valid RRULE"),
        ("FREQ=MONTHLY;COUNT=2;UNTIL=20270101", "not both"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=DAILY", "only the RRULE"),
        ("FREQ=MONTHLY;UNTIL=tomorrow", "UNTIL=TOMORROW"),
        ("FREQ", "NAME=VALUE"),
    ],
)
def test_bad_rules_are_refused_with_a_reason(text, message):
    with pytest.raises(RuleError, match=message):
        normalize_rule(text, "America/Denver")


def test_rules_are_stored_with_a_local_until():
    assert normalize_rule("RRULE:freq=monthly;byday=+2TU;until=20270630", "UTC") == (
        "FREQ=MONTHLY;BYDAY=+2TU;UNTIL=20270630T235959"
    )
    # 1 July 2027 05:59:59 UTC is 30 June 23:59:59 in Denver (MDT).
    assert normalize_rule("FREQ=WEEKLY;UNTIL=20270701T055959Z", "America/Denver") == (
        "FREQ=WEEKLY;UNTIL=20270630T235959"
    )


def test_split_ends_the_earlier_part_and_shares_a_count():
    schedule = Schedule("FREQ=MONTHLY;BYDAY=+2TU;COUNT=6", date(2026, 1, 13), time(15), "UTC")
    before, rest = split(schedule, datetime(2026, 4, 1))
    assert (before, rest) == ("FREQ=MONTHLY;BYDAY=+2TU;COUNT=3", "FREQ=MONTHLY;BYDAY=+2TU;COUNT=3")
    open_ended = Schedule("FREQ=MONTHLY;BYDAY=+2TU", date(2026, 1, 13), time(15), "UTC")
    before, rest = split(open_ended, datetime(2026, 4, 1))
    assert before == "FREQ=MONTHLY;BYDAY=+2TU;UNTIL=20260331T235959"
    assert rest == "FREQ=MONTHLY;BYDAY=+2TU"


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(["America/Denver", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata"]),
    first=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    hour=st.integers(min_value=6, max_value=21),
    preset=st.sampled_from(["monthly_weekday", "monthly_date", "weekly", "every_n_weeks"]),
)
def test_every_occurrence_keeps_the_local_wall_time_and_pattern(zone, first, hour, preset):
    pattern = Pattern(
        preset,
        weekday=first.weekday(),
        ordinal=min(week_of_month(first), 4),
        interval=2,
        day=min(first.day, 28),
    )
    first = first_date(pattern.rule, first.replace(day=1))
    schedule = Schedule(pattern.rule, first, time(hour, 30), zone)
    found = occurrences(schedule, utc(2000, 1, 1), utc(first.year + 3, 1, 1))
    local = [to_local(instant, ZoneInfo(zone)) for instant in found]
    assert local and local[0].date() == first
    assert {moment.time() for moment in local} == {time(hour, 30)}
    if preset in ("monthly_weekday", "weekly", "every_n_weeks"):
        assert {moment.weekday() for moment in local} == {first.weekday()}
    if preset == "monthly_weekday":
        assert {week_of_month(moment.date()) for moment in local} == {week_of_month(first)}
    if preset == "monthly_date":
        assert {moment.day for moment in local} == {first.day}
