"""The Plan -> Act gate item, the overview panel and the dashboard's renewal items."""

from __future__ import annotations

from datetime import date, timedelta

from flask import render_template
from sqlalchemy import select

from partnerhub.agreements.models import AgreementParty, AgreementStatus
from partnerhub.agreements.services import agreement_gate, pending
from partnerhub.partnerships.models import Sector, Stage
from partnerhub.partnerships.registry import registry
from tests.clock import NOW

TODAY = date(2026, 11, 23)


def gate_item():
    return next(c for c in registry.checks if c.key == "agreement_signed")


def test_gate_is_a_computed_plan_stage_item(app):
    item = gate_item()
    assert item.stage is Stage.PLAN
    assert item.label == "An active agreement signed by every partner agency"
    assert item.compute is agreement_gate


def test_gate_waits_for_every_agency_to_sign(make, table, db):
    agreement = make.agreement(
        table.partnership,
        [table.school, table.police],
        title="Denver IGA",
        effective_on=TODAY - timedelta(days=5),
        sent=True,
    )
    db.commit()
    result = agreement_gate(db, table.partnership, TODAY)
    assert not result.done
    assert "0 of 2" in result.detail

    db.expire_all()
    make.signature(_party(db, agreement, table.school))
    db.commit()
    assert "1 of 2" in agreement_gate(db, table.partnership, TODAY).detail

    make.signature(_party(db, agreement, table.police))
    db.commit()
    db.expire_all()
    assert agreement_gate(db, table.partnership, TODAY).done


def test_signatures_of_agencies_that_left_the_table_do_not_count(make, table, db):
    make.agency(table.partnership, "Denver Juvenile Probation", Sector.JUVENILE_JUSTICE)
    make.agreement(
        table.partnership,
        [table.school, table.police],
        title="Denver IGA",
        effective_on=TODAY - timedelta(days=5),
        signed=True,
    )
    table.police.left_on = TODAY - timedelta(days=1)
    db.commit()
    result = agreement_gate(db, table.partnership, TODAY)
    assert not result.done
    assert "1 of 2" in result.detail  # the schools' signature; probation has none


def test_gate_needs_every_agency_at_the_table_not_only_the_parties(make, table, db):
    make.agreement(
        table.partnership, [table.school], effective_on=TODAY - timedelta(days=5), signed=True
    )
    db.commit()
    assert not agreement_gate(db, table.partnership, TODAY).done


def test_gate_needs_the_agreement_in_force(make, table, db):
    parties = [table.school, table.police]
    make.agreement(table.partnership, parties, effective_on=TODAY + timedelta(days=1), signed=True)
    make.agreement(
        table.partnership,
        parties,
        effective_on=TODAY - timedelta(days=400),
        expires_on=TODAY,
        signed=True,
    )
    db.commit()
    result = agreement_gate(db, table.partnership, TODAY)
    assert not result.done
    assert "not in force" in result.detail


def test_gate_without_agreements_says_so(table, db):
    result = agreement_gate(db, table.partnership, TODAY)
    assert not result.done
    assert "No agreement" in result.detail


def test_renewals_due_appear_as_attention_items(app, make, table, db):
    parties = [table.school, table.police]
    make.agreement(
        table.partnership,
        parties,
        title="Expiring IGA",
        effective_on=TODAY - timedelta(days=300),
        expires_on=TODAY + timedelta(days=30),
        signed=True,
    )
    make.agreement(
        table.partnership,
        parties,
        title="Expired MOU",
        effective_on=TODAY - timedelta(days=400),
        expires_on=TODAY - timedelta(days=1),
        signed=True,
    )
    db.commit()
    source = next(s for s in registry.attention_sources if s.__name__ == "_renewals_due")
    with app.test_request_context():
        items = source(db, [table.partnership.id], TODAY)
    assert [(i.severity, i.due) for i in items] == [
        ("danger", TODAY - timedelta(days=1)),
        ("warning", TODAY + timedelta(days=30)),
    ]
    assert "Expired MOU" in items[0].label and "expired on" in items[0].label
    assert items[1].url.startswith(f"/partnerships/{table.partnership.id}/agreements/")


def test_overview_panel_lists_current_agreements_and_the_gate(app, make, table, db):
    make.agreement(table.partnership, [table.school], title="Draft MOU")
    db.commit()
    panel = next(p for p in registry.panels if p.template == "agreements/_panel.html")
    context = panel.load(db, table.partnership, TODAY)
    assert [a.title for a, _ in context["agreement_rows"]] == ["Draft MOU"]
    with app.test_request_context():
        html = render_template(panel.template, partnership=table.partnership, **context)
    assert "Draft MOU" in html
    assert "No agreement has been sent for signature yet." in html


def _party(db, agreement, agency):
    return db.scalars(
        select(AgreementParty).where(
            AgreementParty.agreement_id == agreement.id,
            AgreementParty.partner_agency_id == agency.id,
        )
    ).one()


def test_partnership_overview_shows_the_agreements_panel(client, login_as, make, table, db):
    make.agreement(table.partnership, [table.school], title="Draft MOU")
    db.commit()
    login_as(table.observer.user)
    page = client.get(f"/partnerships/{table.partnership.id}").get_data(as_text=True)
    assert 'id="agreements-panel"' in page
    assert "Draft MOU" in page
    assert "No agreement has been sent for signature yet." in page


def test_pending_lists_each_party_yet_to_sign_and_the_renewals_due(make, table, db):
    """Counted in SQL: a withdrawn signature is none, a signed party is not awaited, a
    terminated agreement awaits no one, and a renewal due carries its status."""
    school, police = table.school, table.police
    withdrawn = make.agreement(table.partnership, [school, police], title="Withdrawn", sent=True)
    for party in db.scalars(
        select(AgreementParty).where(AgreementParty.agreement_id == withdrawn.id)
    ):
        signature = make.signature(party)
        if party.partner_agency_id == police.id:
            signature.withdrawn_at, signature.withdrawal_reason = NOW, "Signed by mistake."
    half = make.agreement(table.partnership, [school, police], title="Half signed", sent=True)
    make.signature(
        db.scalars(
            select(AgreementParty).filter_by(agreement_id=half.id, partner_agency_id=school.id)
        ).one()
    )
    make.agreement(
        table.partnership,
        [school],
        title="Ending",
        sent=True,
        terminated_on=TODAY + timedelta(days=10),  # notice given: in force, awaiting no one
    )
    expiring = make.agreement(
        table.partnership, [school, police], title="Expiring", signed=True,
        effective_on=TODAY - timedelta(days=300), expires_on=TODAY + timedelta(days=30),
    )  # fmt: skip
    db.commit()
    db.expire_all()

    found = pending(db, [table.partnership.id], TODAY)

    awaited = [(agreement.title, party.partner_agency_id) for agreement, party in found.unsigned]
    assert sorted(awaited) == [("Half signed", police.id), ("Withdrawn", police.id)]
    names = {party.agency_name for _agreement, party in found.unsigned}
    assert names == {"Denver Police Department"}
    assert [(a.id, status) for a, status in found.due] == [(expiring.id, AgreementStatus.EXPIRING)]
    assert found.awaited_from({school.id}) == []
    assert found.awaited_from({police.id}) == found.unsigned
