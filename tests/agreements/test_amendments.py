"""An agency joining a signed agreement signs an amendment: it becomes a party once it signed
and a facilitator accepted it, the term stays, and the agreement's history shows it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from partnerhub.agreements import services
from partnerhub.agreements.models import AgreementStatus
from partnerhub.audit.models import AuditEvent
from partnerhub.errors import DomainError, InvalidTransition
from partnerhub.partnerships.models import Sector
from tests.clock import NOW, TODAY

EFFECTIVE = TODAY - timedelta(days=30)
EXPIRES = TODAY + timedelta(days=335)


@pytest.fixture
def clinic(make, table, db):
    """A mental-health clinic that came to the table after the agreement was signed, with its
    director as signatory."""
    clinic = make.agency(table.partnership, "Denver Health Youth Clinic", Sector.MENTAL_HEALTH)
    director = make.member(
        table.partnership,
        make.user("Dee Director"),
        agency=clinic,
        position="Clinical director",
        signatory=True,
    )
    db.commit()
    return clinic, director


@pytest.fixture
def signed(make, table, db):
    agreement = make.agreement(
        table.partnership,
        [table.school, table.police],
        title="Denver IGA",
        effective_on=EFFECTIVE,
        expires_on=EXPIRES,
        signed=True,
        written=True,
    )
    db.commit()
    return agreement


def load(db, table, agreement):
    db.expire_all()
    return services.get_agreement(db, table.partnership.id, agreement.id)


def test_joining_agency_becomes_a_party_once_it_signed_and_a_facilitator_accepted(
    db, make, table, signed, clinic
):
    agency, _ = clinic
    flow = make.flow(agency, table.school, to_role="Counselor")
    db.commit()
    actor = table.facilitator.user
    agreement = load(db, table, signed)
    amendment = services.propose_amendment(
        db, actor, agreement, agency.id, [flow.id], "", TODAY, NOW
    )
    db.commit()
    assert "Denver Health Youth Clinic joins this agreement" in amendment.text
    assert "Denver Health Youth Clinic shares attendance with" in amendment.text

    agreement = load(db, table, signed)
    amendment = agreement.amendments[0]
    services.sign_amendment(
        db,
        actor,
        amendment,
        signer_name="Dee Director",
        signer_title="Clinical director",
        signed_on=TODAY,
        today=TODAY,
        now=NOW,
    )
    db.commit()
    agreement = load(db, table, signed)
    assert len(agreement.parties) == 2  # signed, not yet accepted: not a party
    assert [f.id for f in agreement.flows] == []

    services.accept_amendment(db, actor, agreement.amendments[0], TODAY, NOW)
    db.commit()
    agreement = load(db, table, signed)
    joined = agreement.parties[-1]
    assert joined.partner_agency_id == agency.id
    assert joined.amendment_id == agreement.amendments[0].id
    assert joined.signer_name == "Dee Director"
    assert [f.id for f in agreement.flows] == [flow.id]
    assert agreement.amendments[0].in_effect_on == TODAY
    assert (agreement.effective_on, agreement.expires_on) == (EFFECTIVE, EXPIRES)
    assert services.agreement_status(agreement, TODAY) is AgreementStatus.ACTIVE
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("agreement.amendment%"))
    ).all()
    assert actions == [
        "agreement.amendment_proposed",
        "agreement.amendment_signed",
        "agreement.amendment_accepted",
    ]


def test_a_pending_amendment_leaves_the_agreement_as_it_was(db, table, signed, clinic):
    agency, _ = clinic
    agreement = load(db, table, signed)
    services.propose_amendment(db, table.facilitator.user, agreement, agency.id, [], "", TODAY, NOW)
    services.accept_amendment(db, table.facilitator.user, agreement.amendments[0], TODAY, NOW)
    db.commit()
    agreement = load(db, table, signed)
    assert [p.partner_agency_id for p in agreement.parties] == [table.school.id, table.police.id]
    assert services.agreement_status(agreement, TODAY) is AgreementStatus.ACTIVE


def test_only_a_signed_agreement_takes_an_amendment(db, make, table, clinic):
    agency, _ = clinic
    draft = make.agreement(table.partnership, [table.school], effective_on=EFFECTIVE)
    db.commit()
    with pytest.raises(InvalidTransition, match="Add the agency to the draft"):
        services.propose_amendment(
            db, table.facilitator.user, load(db, table, draft), agency.id, [], "", TODAY, NOW
        )


def test_a_party_or_an_agency_already_joining_cannot_join_again(db, table, signed, clinic):
    agency, _ = clinic
    agreement = load(db, table, signed)
    with pytest.raises(DomainError, match="not a party yet"):
        services.propose_amendment(
            db, table.facilitator.user, agreement, table.school.id, [], "", TODAY, NOW
        )
    services.propose_amendment(db, table.facilitator.user, agreement, agency.id, [], "", TODAY, NOW)
    with pytest.raises(DomainError, match="no amendment pending"):
        services.propose_amendment(
            db, table.facilitator.user, agreement, agency.id, [], "", TODAY, NOW
        )


def test_an_amendment_adding_a_part2_flow_carries_the_notice(db, make, table, signed, clinic):
    from partnerhub.agreements.clauses import PART2_NOTICE
    from partnerhub.procedures.models import LegalBasis

    agency, _ = clinic
    flow = make.flow(agency, table.police, legal_basis=LegalBasis.PART2_CONSENT)
    db.commit()
    agreement = load(db, table, signed)
    amendment = services.propose_amendment(
        db, table.facilitator.user, agreement, agency.id, [flow.id], "", TODAY, NOW
    )
    assert PART2_NOTICE in amendment.text


# --- pages -------------------------------------------------------------------------------


def url(table, agreement, *parts) -> str:
    return "/".join([f"/partnerships/{table.partnership.id}/agreements/{agreement.id}", *parts])


def test_the_joining_agencys_signatory_signs_and_the_facilitator_accepts(
    client, login_as, db, table, signed, clinic
):
    agency, director = clinic
    login_as(table.facilitator.user)
    response = client.post(url(table, signed, "amendments", "new"), data={"agency": agency.id})
    assert response.status_code == 302
    amendment = load(db, table, signed).amendments[0]

    login_as(table.chief.user)  # another agency's signatory may not sign for the clinic
    sign_url = url(table, signed, "amendments", str(amendment.id), "sign")
    assert client.get(sign_url).status_code in (403, 404)

    login_as(director.user)
    form = client.get(sign_url).get_data(as_text=True)
    assert 'value="Dee Director"' in form
    client.post(
        sign_url,
        data={
            "signer_name": "Dee Director",
            "signer_title": "Clinical director",
            "signed_on": TODAY.isoformat(),
        },
    )
    assert client.post(
        url(table, signed, "amendments", str(amendment.id), "accept")
    ).status_code in (
        403,
        404,
    )

    login_as(table.facilitator.user)
    client.post(url(table, signed, "amendments", str(amendment.id), "accept"))
    page = client.get(url(table, signed)).get_data(as_text=True)
    assert "Joined by amendment 1" in page
    assert "In effect from" in page
    assert [p.partner_agency_id for p in load(db, table, signed).parties][-1] == agency.id


def test_amendment_form_refuses_an_agency_that_is_a_party(client, login_as, db, table, signed):
    login_as(table.facilitator.user)
    response = client.post(
        url(table, signed, "amendments", "new"),
        data={"agency": table.school.id, "text": "The school joins again."},
    )
    assert response.status_code == 200
    assert "The school joins again." in response.get_data(as_text=True)
    assert load(db, table, signed).amendments == []
