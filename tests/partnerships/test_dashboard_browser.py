"""In a real browser: a facilitator answers a meeting from the dashboard, then records two
agencies' sign-offs of a procedure at once."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from partnerhub.meetings.models import Attendance, AttendanceStatus
from partnerhub.partnerships.models import PartnerAgency, Sector
from partnerhub.procedures.models import ProcedureStatus, ProcedureVersion, SignOff

pytestmark = pytest.mark.browser


def test_facilitator_answers_from_the_dashboard_and_records_two_sign_offs_at_once(
    page, browser_login, make, db, world
):
    school = db.get(PartnerAgency, world.member.partner_agency_id)
    make.agency(world.partnership, "Helena Police Department", Sector.LAW_ENFORCEMENT)
    meeting = make.meeting(world.partnership, title="March partner meeting")
    procedure = make.procedure(school, "Attendance sharing", status="in_review")
    db.commit()

    browser_login(world.facilitator.user)
    page.goto("/")
    page.get_by_role("heading", name="Upcoming meetings").wait_for()
    page.get_by_role("button", name=re.compile("^I will attend.*March partner meeting")).click()
    page.get_by_text("You will attend March partner meeting.").wait_for()
    assert page.url.endswith("/")
    assert "Your answer: Accepted" in page.locator("main").inner_text()

    page.goto(f"/partnerships/{world.partnership.id}/procedures/{procedure.id}")
    page.get_by_label("Helena Public Schools").check()
    page.get_by_label("Helena Police Department").check()
    page.get_by_role("button", name="Record the chosen sign-offs").click()
    page.get_by_text("Recorded 2 sign-offs.").wait_for()
    assert "in force from" in page.locator("main").inner_text()

    db.expire_all()
    answer = db.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id)).one()
    assert answer.status is AttendanceStatus.ACCEPTED
    assert [s.on_behalf for s in db.scalars(select(SignOff))] == [True, True]
    version = db.scalars(select(ProcedureVersion)).one()
    assert version.status is ProcedureStatus.APPROVED
