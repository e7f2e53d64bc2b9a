"""A partnership's year built by hand, with the report's figures worked out on paper.

The period is January to December 2025 in Denver. The school sits at the table all year; the
police join on 1 July 2025."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from partnerhub.meetings.models import (
    ActionItem,
    ActionItemStatus,
    Attendance,
    AttendanceStatus,
    MeetingStatus,
)
from partnerhub.partnerships.models import Partnership, Sector
from partnerhub.procedures.models import ProcedureReview, SignOff
from tests.clock import TODAY

START = date(2025, 1, 1)
HELD, CANCELLED, SCHEDULED = MeetingStatus.HELD, MeetingStatus.CANCELLED, MeetingStatus.SCHEDULED
ATTENDED, ABSENT = AttendanceStatus.ATTENDED, AttendanceStatus.ABSENT


def at(year: int, month: int, day: int, hour: int = 20) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@dataclass
class Year:
    partnership: Partnership


def build_year(make, name: str = "Helena Youth Partnership") -> Year:
    partnership = make.partnership(make.user(), name=name)
    fill_year(make, partnership)
    return Year(partnership)


def fill_year(make, partnership: Partnership, more: str = "") -> None:
    """Add the year's agencies, people, meetings, items, reviews and agreements; `more`
    tells a second copy's names apart."""
    name = partnership.name + more
    school = make.agency(partnership, f"{name} Schools", Sector.SCHOOL)
    police = make.agency(partnership, f"{name} Police", Sector.LAW_ENFORCEMENT)
    school.joined_on, police.joined_on = date(2024, 12, 1), date(2025, 7, 1)
    teacher = make.member(partnership, agency=school)
    officer = make.member(partnership, agency=police)

    # Meetings: 7 on the calendar in 2025 (5 held, 1 cancelled, 1 never marked held), and one
    # held on each side of the year.
    calendar = {
        at(2024, 12, 15): (HELD, {teacher: ATTENDED}),
        at(2025, 1, 15): (HELD, {teacher: ATTENDED}),
        at(2025, 2, 15): (HELD, {teacher: ABSENT}),
        at(2025, 3, 15): (CANCELLED, {}),
        at(2025, 4, 15): (HELD, {teacher: ATTENDED}),
        at(2025, 7, 15): (HELD, {teacher: ATTENDED, officer: ATTENDED}),
        at(2025, 10, 15): (HELD, {teacher: ATTENDED, officer: ABSENT}),
        at(2025, 12, 15): (SCHEDULED, {}),
        at(2026, 1, 15): (HELD, {teacher: ABSENT, officer: ATTENDED}),
    }
    for starts_at, (status, present) in calendar.items():
        meeting = make.meeting(partnership, starts_at, title="Monthly partner review")
        meeting.status = status
        for membership, answer in present.items():
            make.session.add(
                Attendance(meeting_id=meeting.id, membership_id=membership.id, status=answer)
            )

    # Action items: done in the year (opened before it), open and past due, open and due after
    # the year, dropped, and one opened after the year.
    for title, created, status, completed, due, owner, agency in (
        ("Draft the release form", at(2024, 11, 1), "done", at(2025, 2, 10), None, teacher, school),
        ("Update the roster", at(2025, 3, 1), "open", None, date(2025, 6, 30), teacher, None),
        ("Train the SROs", at(2025, 5, 1), "done", at(2026, 1, 20), date(2026, 2, 1), None, police),
        ("An idea", at(2025, 4, 1), "dropped", None, None, None, None),
        ("Plan next year", at(2026, 1, 5), "open", None, None, None, None),
    ):
        make.session.add(
            ActionItem(
                partnership_id=partnership.id,
                title=title,
                status=ActionItemStatus(status),
                created_at=created,
                updated_at=at(2025, 5, 1) if status == "dropped" else created,
                completed_at=completed,
                due_on=due,
                owner_membership_id=owner.id if owner else None,
                owner_agency_id=agency.id if agency else None,
            )
        )

    # Reviews: on time, late, and one not done; one before the year and one due after it.
    attendance = make.procedure(school, "Sharing attendance" + more, status="approved")
    referrals = make.procedure(police, "Referrals" + more, status="approved")
    referrals.next_review_on = date(2025, 11, 1)
    later = make.procedure(
        school, "Later" + more, status="approved", next_review_on=date(2026, 6, 1)
    )
    for due, done in (
        (date(2024, 12, 1), date(2024, 12, 1)),
        (date(2025, 3, 1), date(2025, 2, 20)),
        (date(2025, 9, 1), date(2025, 9, 10)),
    ):
        make.session.add(ProcedureReview(procedure_id=attendance.id, due_on=due, reviewed_on=done))
    attendance.next_review_on = date(2026, 9, 10)

    # Sign-offs: the school twice and the police once in the year; one in 2024.
    attendance.versions[0].approved_at = at(2025, 2, 1)
    for procedure, agency, signed_at in (
        (later, school, at(2024, 6, 1)),
        (attendance, school, at(2025, 1, 20)),
        (referrals, school, at(2025, 8, 20)),
        (attendance, police, at(2025, 9, 20)),
    ):
        make.session.add(
            SignOff(
                version_id=procedure.versions[0].id,
                partner_agency_id=agency.id,
                signed_at=signed_at,
            )
        )

    # Agreements: renewed in July 2025 (the renewal in force), one expired in June, a draft,
    # and one drafted after the year.
    parties = [school, police]
    first = make.agreement(
        partnership,
        parties,
        title="Helena IGA 2024" + more,
        signed=True,
        effective_on=date(2024, 7, 1),
        expires_on=date(2025, 7, 1),
        created_at=at(2024, 5, 1),
    )
    make.agreement(
        partnership,
        parties,
        title="Helena IGA 2025" + more,
        signed=True,
        effective_on=date(2025, 7, 1),
        expires_on=date(2026, 7, 1),
        created_at=at(2025, 6, 1),
        predecessor_id=first.id,
    )
    make.agreement(
        partnership,
        [school],
        title="Counseling MOU" + more,
        signed=True,
        effective_on=date(2024, 1, 1),
        expires_on=date(2025, 6, 1),
        created_at=at(2023, 12, 1),
    )
    make.agreement(
        partnership, parties, title="Data-sharing draft" + more, created_at=at(2025, 10, 1)
    )
    make.agreement(partnership, parties, title="Next draft" + more, created_at=at(2026, 2, 1))
    make.session.flush()
    assert date(2026, 1, 1) < TODAY  # the whole year is behind us
