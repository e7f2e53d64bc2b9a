"""In a real browser: a partner updates their agency's procedure and the others sign it off."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from partnerhub.procedures.models import ProcedureStatus, ProcedureVersion

pytestmark = pytest.mark.browser


def test_partner_updates_procedure_and_every_agency_signs_it_off(
    page, browser_login, make, db, table
):
    procedure = make.procedure(table.school, "Attendance sharing", status="approved")
    db.commit()
    address = f"/partnerships/{table.partnership.id}/procedures/{procedure.id}"

    browser_login(table.liaisons[table.school.id].user)
    page.goto(f"/partnerships/{table.partnership.id}/procedures")
    page.get_by_role("link", name="Attendance sharing").click()
    page.get_by_role("link", name="Edit (new version)").click()
    page.get_by_label("Procedure", exact=True).fill(
        "1. Check the release form.\n2. Share only the status, never the file.\n"
        "3. Log the disclosure the same day.\n"
    )
    page.get_by_label("What changed").fill("Log each disclosure")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("New version saved as a draft").wait_for()
    page.get_by_role("button", name="Submit for sign-off").click()
    page.get_by_text("Submitted for sign-off by every agency.").wait_for()

    for agency in table.agencies:
        page.context.clear_cookies()
        browser_login(table.liaisons[agency.id].user)
        page.goto(address)
        name = agency.organization.name
        page.get_by_role("button", name=f"Sign off for {name}").click()
        page.get_by_text("Signed off version 2.").wait_for()

    page.get_by_role("heading", name="Version 2").wait_for()
    assert "in force from" in page.locator("main").inner_text()
    page.get_by_role("link", name="Compare versions").click()
    assert "3. Log the disclosure the same day." in page.locator("table.diff").inner_text()

    db.expire_all()
    versions = db.scalars(select(ProcedureVersion).order_by(ProcedureVersion.number)).all()
    assert [v.status for v in versions] == [ProcedureStatus.SUPERSEDED, ProcedureStatus.APPROVED]
