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


def test_facilitator_writes_clauses_drafts_from_the_matrix_and_adds_a_party_by_amendment(
    make, db, table, page, browser_login
):
    from partnerhub.agreements import services
    from partnerhub.agreements.models import AgreementParty
    from partnerhub.partnerships.models import Sector
    from partnerhub.procedures.models import LegalBasis
    from tests.clock import NOW

    make.flow(
        table.school,
        table.police,
        to_role="School Resource Officer",
        data_categories=["discipline"],
        trigger="when a student poses an imminent threat",
        legal_basis=LegalBasis.FERPA_HEALTH_SAFETY_EMERGENCY,
    )
    clinic = make.agency(table.partnership, "Denver Health Youth Clinic", Sector.MENTAL_HEALTH)
    agreement = services.create_agreement(
        db,
        table.facilitator.user,
        table.partnership.id,
        services.Terms(
            title="Denver IGA",
            kind=services.AgreementKind.IGA,
            purpose="Transparency about data shared between schools and police.",
            party_agency_ids=[table.school.id, table.police.id],
            effective_on=TODAY - timedelta(days=1),
            expires_on=TODAY + timedelta(days=364),
        ),
        NOW,
    )
    db.commit()
    url = f"/partnerships/{table.partnership.id}/agreements/{agreement.id}"
    browser_login(table.facilitator.user)
    page.goto(url)
    checklist = page.locator(".clause-checklist")
    assert "1 required clause is missing" in checklist.inner_text()
    assert "Information shared" in checklist.inner_text()

    # Rewrite the training clause in the partnership's own words.
    page.get_by_role("link", name="Edit clauses").click()
    page.get_by_label("Training").fill("Every party trains its staff each August.")
    page.get_by_role("button", name="Save clauses").click()
    page.get_by_text("Clauses saved.").wait_for()

    # Draft the flows clause from the matrix: the printable draft opens, without navigation.
    page.get_by_role("link", name="Draft from the sharing matrix").click()
    page.get_by_label("Denver Public Schools → Denver Police Department").check()
    page.get_by_role("button", name="Draft from the sharing matrix").click()
    page.get_by_text("Draft for discussion, not for signature").wait_for()
    flows_clause = page.locator('[data-clause="flows_clause"]').inner_text()
    assert "Denver Public Schools shares discipline with Denver Police Department" in flows_clause
    assert "FERPA: health or safety emergency (34 CFR 99.36)" in flows_clause
    assert "Every party trains its staff each August." in page.content()
    assert page.locator("nav").count() == 0

    page.get_by_role("link", name="Back to the agreement").click()
    assert "Every required clause is written." in checklist.inner_text()
    page.get_by_role("button", name="Send for signature").click()
    page.get_by_text("Sent for signature.").wait_for()

    for party in db.scalars(
        select(AgreementParty).where(AgreementParty.agreement_id == agreement.id)
    ):
        make.signature(party, signed_on=TODAY - timedelta(days=1))
    db.commit()

    # The clinic joins later: an amendment, signed by it and accepted by the facilitator.
    page.goto(url)
    assert page.locator(".agreement-status").first.inner_text() == "Active"
    page.get_by_role("link", name="Add a party by amendment").click()
    page.get_by_label("Joining agency").select_option(label="Denver Health Youth Clinic")
    page.get_by_role("button", name="Draft the amendment").click()
    page.get_by_text("Amendment 1 drafted").wait_for()
    amendment = page.locator('[data-amendment="1"]')
    amendment.get_by_role("link", name="Record signature").click()
    page.get_by_label("Signer's name").fill("Dee Director")
    page.get_by_label("Signer's title").fill("Clinical director")
    page.get_by_label("Date signed").fill(TODAY.isoformat())
    page.get_by_role("button", name="Record signature").click()
    page.get_by_text("Signature recorded for Denver Health Youth Clinic").wait_for()
    amendment.get_by_role("button", name="Accept for the partnership").click()
    page.get_by_text("Amendment 1 accepted for the partnership.").wait_for()

    joined = page.locator('tr[data-party="Denver Health Youth Clinic"]')
    assert "Joined by amendment 1" in joined.inner_text()
    assert "Dee Director" in joined.inner_text()
    assert "In effect from" in amendment.inner_text()
    assert page.locator(".agreement-status").first.inner_text() == "Active"
    assert clinic.id in {
        p.partner_agency_id
        for p in db.scalars(
            select(AgreementParty).where(AgreementParty.agreement_id == agreement.id)
        )
    }
