"""The Plan -> Act gate item, the overview panel and the dashboard's renewal items."""

from __future__ import annotations

from datetime import date, timedelta

from flask import render_template
from sqlalchemy import select

from partnerhub.agreements.models import AgreementParty
from partnerhub.agreements.services import agreement_gate
from partnerhub.partnerships.models import Stage
from partnerhub.partnerships.registry import registry

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
