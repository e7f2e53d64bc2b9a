"""In a browser: every party signing the agreement completes the Plan -> Act gate item."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from partnerhub.agreements.services import agreement_gate
from partnerhub.partnerships.models import ChecklistTick, Partnership, Stage
from partnerhub.partnerships.registry import registry
from tests.clock import TODAY


def plan_done_but_the_agreement(make, db, table) -> None:
    """Every other Plan item holds: a legal advisor, ticks, a matrix flow under an approved
    procedure."""
    table.partnership.stage = Stage.PLAN
    make.member(table.partnership, make.user("Lee Lawyer"), legal_advisor=True)
    procedure = make.procedure(table.school, status="approved")
    make.flow(table.school, table.police, procedure_id=procedure.id)
    for check in registry.checks:
        if check.stage is Stage.PLAN and check.compute is None:
            db.add(ChecklistTick(partnership_id=table.partnership.id, item_key=check.key))


def test_agreement_signed_by_all_parties_completes_the_plan_gate(
    make, db, table, page, browser_login
):
    plan_done_but_the_agreement(make, db, table)
    agreement = make.agreement(
        table.partnership,
        [table.school, table.police],
        title="Denver IGA",
        purpose="Transparency about data shared between schools and police.",
        effective_on=TODAY - timedelta(days=1),
        expires_on=TODAY + timedelta(days=364),
        sent=True,
    )
    db.commit()
    url = f"/partnerships/{table.partnership.id}/agreements/{agreement.id}"
    assert not agreement_gate(db, table.partnership, TODAY).done

    # The superintendent signs for the school district.
    browser_login(table.superintendent.user)
    page.goto(url)
    page.locator('tr[data-party="Denver Public Schools"]').get_by_role(
        "link", name="Record signature"
    ).click()
    assert page.get_by_label("Signer's name").input_value() == "Sam Superintendent"
    page.get_by_label("Date signed").fill(TODAY.isoformat())
    page.get_by_role("button", name="Record signature").click()
    page.get_by_text("Signature recorded for Denver Public Schools").wait_for()
    police_row = page.locator('tr[data-party="Denver Police Department"]')
    assert police_row.get_by_role("link", name="Record signature").count() == 0
    page.get_by_role("button", name="Log out").click()

    # The facilitator records the chief's signature from the signed copy.
    browser_login(table.facilitator.user)
    page.goto(url)
    police_row.get_by_role("link", name="Record signature").click()
    page.get_by_label("Signer's name").fill("Cruz Chief")
    page.get_by_label("Signer's title").fill("Chief of Police")
    page.get_by_label("Date signed").fill((TODAY - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Record signature").click()
    page.get_by_text("Signature recorded for Denver Police Department").wait_for()

    assert page.locator(".agreement-status").first.inner_text() == "Active"
    db.expire_all()
    result = agreement_gate(db, table.partnership, TODAY)
    assert result.done, result.detail

    # With the agreement signed, the facilitator advances to Act without an override.
    page.goto(f"/partnerships/{table.partnership.id}/stages")
    gate = page.locator("li", has_text="An active agreement signed by every partner agency")
    assert "Done:" in gate.inner_text()
    page.get_by_role("button", name="Advance to the next stage").click()
    page.get_by_text("now in the Act stage").wait_for()
    db.expire_all()
    stage = db.scalar(select(Partnership.stage).where(Partnership.id == table.partnership.id))
    assert stage is Stage.ACT
