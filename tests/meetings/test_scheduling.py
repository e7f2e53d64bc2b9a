"""Series materialize their occurrences once; edits of a series or of one meeting."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from partnerhub.errors import DomainError, InvalidTransition
from partnerhub.meetings.models import AgendaItem, Meeting, MeetingSeries, MeetingStatus
from partnerhub.meetings.recurrence import RuleError
from partnerhub.meetings.services import (
    REMOVED_FROM_SERIES,
    MeetingData,
    SeriesData,
    cancel_meeting,
    edit_meeting,
    edit_series,
    extend_horizons,
    schedule_meeting,
)

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def partnership(make):
    return make.partnership(make.user("Fiona Facilitator"))


def meetings_of(db, series_id: int) -> list[Meeting]:
    return list(
        db.scalars(
            select(Meeting).where(Meeting.series_id == series_id).order_by(Meeting.starts_at)
        )
    )


def series_data(**changes) -> SeriesData:
    values = dict(
        title="Monthly partner review",
        rule="FREQ=MONTHLY;BYDAY=+2TU",
        starts_on=date(2026, 1, 13),
        start_time=time(15),
        duration_minutes=90,
    )
    values.update(changes)
    return SeriesData(**values)


def test_a_series_materializes_twelve_months_ahead_with_its_agenda_template(make, db, partnership):
    template = [{"title": "Welcome", "minutes": 5, "kind": "other"}]
    series = make.series(partnership, now=NOW, agenda_template=template, place="Room 4")
    meetings = meetings_of(db, series.id)
    assert [m.starts_at for m in meetings][:2] == [utc(2026, 1, 13, 22), utc(2026, 2, 10, 22)]
    assert len(meetings) == 12  # 13 Jan 2026 .. 8 Dec 2026; 12 Jan 2027 is past the horizon
    assert all(m.ends_at - m.starts_at == timedelta(minutes=90) for m in meetings)
    assert {m.place for m in meetings} == {"Room 4"}
    assert db.scalar(select(func.count(AgendaItem.id))) == 12
    assert len({m.uid for m in meetings}) == 12


def test_extending_horizons_adds_only_new_occurrences_and_is_idempotent(make, db, partnership):
    series = make.series(partnership, now=NOW)
    assert extend_horizons(db, NOW) == 0
    later = NOW + timedelta(days=20)
    assert extend_horizons(db, later) == 1  # 12 January 2027 comes into the horizon
    assert extend_horizons(db, later) == 0
    assert len(meetings_of(db, series.id)) == 13


def test_a_series_that_gives_no_meetings_is_refused(make, partnership):
    with pytest.raises(RuleError, match="no meetings"):
        make.series(partnership, rule="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", now=NOW)


def test_a_series_with_far_too_many_meetings_is_refused(make, partnership):
    with pytest.raises(RuleError, match="more meetings"):
        make.series(partnership, rule="FREQ=DAILY;BYHOUR=9,10", now=NOW)


def test_moving_one_meeting_marks_it_modified_and_bumps_its_sequence(make, db, partnership):
    series = make.series(partnership, now=NOW)
    meeting = meetings_of(db, series.id)[2]
    actor = make.user()
    data = MeetingData("Monthly partner review", date(2026, 3, 12), time(10), 60, "Library")
    edit_meeting(db, actor, meeting, data, "America/Denver", NOW)
    assert meeting.starts_at == utc(2026, 3, 12, 16)
    assert meeting.original_starts_at == utc(2026, 3, 10, 21)
    assert (meeting.is_modified, meeting.sequence, meeting.place) == (True, 1, "Library")
    edit_meeting(db, actor, meeting, data, "America/Denver", NOW)
    assert meeting.sequence == 1  # nothing changed, nothing for calendars to see


def test_cancelling_needs_a_reason_and_happens_once(make, db, partnership):
    series = make.series(partnership, now=NOW)
    meeting = meetings_of(db, series.id)[0]
    actor = make.user()
    with pytest.raises(DomainError, match="why"):
        cancel_meeting(db, actor, meeting, "  ", NOW)
    cancel_meeting(db, actor, meeting, "Snow day", NOW)
    assert (meeting.status, meeting.cancel_reason, meeting.sequence) == (
        MeetingStatus.CANCELLED,
        "Snow day",
        1,
    )
    with pytest.raises(InvalidTransition):
        cancel_meeting(db, actor, meeting, "Again", NOW)


def test_editing_a_series_from_a_date_splits_it_and_spares_past_and_edited_meetings(
    make, db, partnership
):
    series = make.series(partnership, now=NOW)
    actor = make.user()
    april_now = utc(2026, 4, 1)
    meetings = meetings_of(db, series.id)
    edited_alone = meetings[5]  # 9 June, moved to 11 June
    edit_meeting(
        db,
        actor,
        edited_alone,
        MeetingData(edited_alone.title, date(2026, 6, 11), time(15), 90),
        "America/Denver",
        april_now,
    )
    new = edit_series(
        db,
        actor,
        series,
        series_data(starts_on=date(2026, 5, 12), start_time=time(16), place="City hall"),
        april_now,
    )
    assert new.id != series.id and new.continues_id == series.id
    assert series.rrule == "FREQ=MONTHLY;BYDAY=+2TU;UNTIL=20260511T235959"
    old = meetings_of(db, series.id)
    assert [m.starts_at.month for m in old] == [1, 2, 3, 4]
    assert all(m.place == "" and m.sequence == 0 for m in old)
    moved = meetings_of(db, new.id)
    assert moved[0].starts_at == utc(2026, 5, 12, 22)  # 16:00 MDT
    assert moved[0].sequence == 1 and moved[0].place == "City hall"
    assert edited_alone in moved and edited_alone.starts_at == utc(2026, 6, 11, 21)
    assert edited_alone.place == ""
    # The same meetings follow the new version (no duplicates); 2027 comes into the horizon.
    assert db.scalar(select(func.count(Meeting.id))) == 12 + 3
    assert [m.starts_at.month for m in moved] == [5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]


def test_editing_a_whole_series_cancels_occurrences_the_new_rule_drops(make, db, partnership):
    series = make.series(partnership, now=NOW)
    target = edit_series(
        db,
        make.user(),
        series,
        series_data(rule="FREQ=MONTHLY;INTERVAL=2;BYDAY=+2TU"),
        NOW,
    )
    assert target.id == series.id
    meetings = meetings_of(db, series.id)
    kept = [m for m in meetings if m.status is MeetingStatus.SCHEDULED]
    dropped = [m for m in meetings if m.status is MeetingStatus.CANCELLED]
    assert [m.starts_at.month for m in kept] == [1, 3, 5, 7, 9, 11]
    assert [m.starts_at.month for m in dropped] == [2, 4, 6, 8, 10, 12]
    assert {m.cancel_reason for m in dropped} == {REMOVED_FROM_SERIES}
    assert all(m.sequence == 1 for m in dropped)


def test_a_one_off_meeting_is_entered_in_local_time(make, db, partnership):
    meeting = schedule_meeting(
        db,
        make.user(),
        partnership,
        MeetingData("Agreement signing", date(2026, 7, 1), time(9, 30), 60, "Courthouse"),
        NOW,
    )
    assert meeting.series_id is None
    assert meeting.starts_at == meeting.original_starts_at == utc(2026, 7, 1, 15, 30)
    assert meeting.effective_reminder_offsets == [10080, 1440]


def test_effective_reminder_offsets_prefer_the_meeting_then_the_series(make, db, partnership):
    series = make.series(partnership, now=NOW, reminder_offsets=[60])
    meeting = meetings_of(db, series.id)[0]
    assert meeting.effective_reminder_offsets == [60]
    meeting.reminder_offsets = [30, 15]
    assert meeting.effective_reminder_offsets == [30, 15]
    assert db.get(MeetingSeries, series.id).reminder_offsets == [60]


def test_cancelling_or_moving_a_meeting_withdraws_its_pending_reminders(make, db, partnership):
    from partnerhub.notifications.models import OutboxMessage, OutboxStatus
    from partnerhub.notifications.outbox import queue_email

    series = make.series(partnership, now=NOW)
    moved, cancelled, untouched = meetings_of(db, series.id)[:3]
    for meeting in (moved, cancelled, untouched):
        queue_email(
            db,
            key=f"meeting-reminder:{meeting.id}",
            kind="meeting_reminder",
            to="mo@example.org",
            subject="Reminder",
            text="Soon",
            now=NOW,
            about=f"meeting:{meeting.id}",
        )
    actor = make.user()
    edit_meeting(
        db,
        actor,
        moved,
        MeetingData(moved.title, date(2026, 2, 12), time(15), 90),
        "America/Denver",
        NOW,
    )
    cancel_meeting(db, actor, cancelled, "Snow", NOW)
    statuses = dict(db.execute(select(OutboxMessage.about, OutboxMessage.status)).all())
    assert statuses == {
        f"meeting:{moved.id}": OutboxStatus.CANCELLED,
        f"meeting:{cancelled.id}": OutboxStatus.CANCELLED,
        f"meeting:{untouched.id}": OutboxStatus.PENDING,
    }


def test_a_series_change_can_bring_back_an_occurrence_an_earlier_change_dropped(
    make, db, partnership
):
    series = make.series(partnership, now=NOW)
    actor = make.user()
    edit_series(db, actor, series, series_data(rule="FREQ=MONTHLY;INTERVAL=2;BYDAY=+2TU"), NOW)
    february = meetings_of(db, series.id)[1]
    assert february.status is MeetingStatus.CANCELLED
    edit_series(db, actor, series, series_data(), NOW)
    assert (february.status, february.cancel_reason, february.sequence) == (
        MeetingStatus.SCHEDULED,
        "",
        2,
    )
    assert len(meetings_of(db, series.id)) == 12


def test_splitting_a_counted_series_keeps_the_count(make, db, partnership):
    series = make.series(partnership, now=NOW, rule="FREQ=MONTHLY;BYDAY=+2TU;COUNT=6")
    new = edit_series(
        db,
        make.user(),
        series,
        series_data(rule=series.rrule, starts_on=date(2026, 4, 1), place="City hall"),
        utc(2026, 3, 20),
    )
    assert len(meetings_of(db, series.id)) + len(meetings_of(db, new.id)) == 6
    assert [m.place for m in meetings_of(db, new.id)] == ["City hall"] * 3
