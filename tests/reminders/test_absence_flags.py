"""An agency absent from N meetings in a row is flagged, and its liaison and the facilitators
are emailed once per run of absences."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from partnerhub.meetings.models import Attendance, AttendanceStatus, MeetingStatus
from partnerhub.notifications.models import Flag, FlagKind, NotificationPreference, ReminderKind
from tests.reminders.conftest import outbox

# The second Tuesday of each month from April 2027, the days the test's meetings are held.
DAYS = [date(2027, month, day) for month, day in ((4, 13), (5, 11), (6, 8), (7, 13), (8, 10))]
DAYS += [date(2027, 9, 14), date(2027, 10, 12), date(2027, 11, 9), date(2027, 12, 14)]


@pytest.fixture
def police(make, db, roster):
    """A second agency with its liaison, who is also its only person at meetings."""
    agency = make.agency(roster.partnership, "Helena Police Department")
    liaison = make.member(
        roster.partnership, make.user("Lee Liaison", email="lee@police.example"), agency=agency
    )
    agency.liaison_id = liaison.id
    db.commit()
    return agency, liaison


def hold(db, roster, day: date, *present):
    """A meeting held on `day` that the members `present` attended."""
    from tests.reminders.conftest import one_off

    meeting = one_off(db, roster.partnership, day)
    meeting.status = MeetingStatus.HELD
    for membership in present:
        db.add(
            Attendance(
                meeting_id=meeting.id,
                membership_id=membership.id,
                status=AttendanceStatus.ATTENDED,
            )
        )
    db.commit()
    return meeting


def after(day: date) -> datetime:
    return datetime(day.year, day.month, day.day + 1, 18, tzinfo=UTC)


def absence_flags(db) -> list[Flag]:
    db.expire_all()
    return list(
        db.scalars(select(Flag).where(Flag.kind == FlagKind.AGENCY_ABSENCE).order_by(Flag.id))
    )


def test_an_agency_missing_three_meetings_is_flagged_and_told_once_per_run(
    db, roster, police, run_sweep, deliver_pending, smtp
):
    agency, liaison = police
    meetings = [hold(db, roster, DAYS[0], roster.member, liaison)]
    meetings += [hold(db, roster, day, roster.member) for day in DAYS[1:3]]
    run_sweep(after(DAYS[2]))
    assert absence_flags(db) == []  # two missed: not yet

    meetings.append(hold(db, roster, DAYS[3], roster.member))
    first = run_sweep(after(DAYS[3]))
    again = run_sweep(after(DAYS[3]))
    (flag,) = absence_flags(db)
    assert (first.flags_raised, again.flags_raised) == (1, 0)
    assert flag.subject == f"agency_absence:{agency.id}:{meetings[1].id}"
    assert flag.title == (
        "Helena Police Department missed 3 meetings in a row: 11 May 2027, 8 Jun 2027, 13 Jul 2027"
    )
    assert flag.due_on == DAYS[1]
    emails = outbox(db, kind=ReminderKind.AGENCY_ABSENCE.value)
    assert sorted(m.recipient for m in emails) == ["fiona@helena.example", "lee@police.example"]
    assert deliver_pending(after(DAYS[3])) == 2
    received = [m for m in smtp.messages if "missed 3 meetings" in m["Subject"]]
    assert len(received) == 2
    text = received[0].get_body(("plain",)).get_content()
    html = received[0].get_body(("html",)).get_content()
    for body in (text, html):
        assert "Helena Police Department" in body
        assert f"/meetings/{meetings[2].id}" in body
    assert received[0]["List-Unsubscribe"]

    # The run goes on: the flag names the new meeting, nobody is emailed again.
    hold(db, roster, DAYS[4], roster.member)
    run_sweep(after(DAYS[4]))
    (flag,) = absence_flags(db)
    assert flag.title.startswith("Helena Police Department missed 4 meetings in a row")
    assert len(outbox(db, kind=ReminderKind.AGENCY_ABSENCE.value)) == 2

    # It comes again: the flag is resolved; a new run of three is flagged and told anew.
    hold(db, roster, DAYS[5], liaison)
    run_sweep(after(DAYS[5]))
    assert absence_flags(db)[0].resolved_at is not None
    for day in DAYS[6:9]:
        hold(db, roster, day, roster.member)
        run_sweep(after(day))
        run_sweep(after(day))
    old, new = absence_flags(db)
    assert new.resolved_at is None and new.due_on == DAYS[6]
    assert len(outbox(db, kind=ReminderKind.AGENCY_ABSENCE.value)) == 4
    # The school came every time.
    assert all("Schools" not in f.title for f in (old, new))


def test_the_partnership_sets_how_many_and_people_can_opt_out(db, roster, police, run_sweep):
    _agency, liaison = police
    roster.partnership.absence_flag_after = 2
    db.add(
        NotificationPreference(
            user_id=liaison.user_id, kind=ReminderKind.AGENCY_ABSENCE, enabled=False
        )
    )
    db.commit()
    for day in DAYS[:2]:
        hold(db, roster, day, roster.member)
    run_sweep(after(DAYS[1]))
    (flag,) = absence_flags(db)
    assert flag.title.startswith("Helena Police Department missed 2 meetings in a row")
    emails = outbox(db, kind=ReminderKind.AGENCY_ABSENCE.value)
    assert [m.recipient for m in emails] == ["fiona@helena.example"]
