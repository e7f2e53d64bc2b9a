"""Demo agreements: an MOU in force whose renewal notice opens within four months, and a
data-sharing agreement out for signature."""

from __future__ import annotations

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session

from partnerhub.agreements import services
from partnerhub.agreements.models import AgreementKind, RenewalRule
from partnerhub.partnerships.models import Sector
from partnerhub.partnerships.services import local_today

# The agencies of the agreement out for signature: the school district signed, the clinic not.
PAIR = (Sector.SCHOOL, Sector.MENTAL_HEALTH)


def extend(session: Session, world) -> None:
    """Add the demo partnership's agreements, signed by its agencies' signatories."""
    partnership, now = world.partnership, world.now
    actor = world.facilitator.user
    today = local_today(partnership, now)
    agencies = services.active_agencies(session, partnership.id)

    # The notice window (90 days) opens about two months from now.
    expires_on = today + timedelta(days=90 + 60)
    mou = services.create_agreement(
        session,
        actor,
        partnership.id,
        services.Terms(
            title="Interagency information-sharing MOU",
            kind=AgreementKind.MOU,
            purpose=(
                "Agree why, when and how the partner agencies share information about youth "
                "served by more than one system, so staff neither refuse by reflex nor share "
                "ad hoc.\nReviewed at least once a year (MCA 52-2-203)."
            ),
            party_agency_ids=[a.id for a in agencies],
            legal_bases=["ferpa_consent", "ferpa_juvenile_justice", "hipaa_authorization"],
            data_categories=["attendance", "discipline", "court_status"],
            effective_on=expires_on - relativedelta(years=1),
            expires_on=expires_on,
            renewal_rule=RenewalRule.BY_AMENDMENT,
        ),
        now,
    )
    services.send_for_signature(session, actor, mou, now)
    mou = services.get_agreement(session, partnership.id, mou.id)
    signed_on = mou.effective_on - timedelta(days=14)
    for party in mou.parties:
        _sign(session, world, actor, party, signed_on, today, now)

    pair = [a.id for a in (world.agencies.get(s) for s in PAIR) if a is not None]
    if len(pair) < len(PAIR):
        pair = [a.id for a in agencies[:2]]
    dsa = services.create_agreement(
        session,
        actor,
        partnership.id,
        services.Terms(
            title="Mental-health referral status data-sharing agreement",
            kind=AgreementKind.DATA_SHARING_AGREEMENT,
            purpose=(
                "Let school counselors learn whether a referred student was seen, with the "
                "family's written consent, and nothing more."
            ),
            party_agency_ids=pair,
            legal_bases=["ferpa_consent", "hipaa_authorization"],
            data_categories=["mental_health_referral_status"],
            effective_on=today + timedelta(days=30),
            expires_on=today + timedelta(days=30) + relativedelta(years=2),
            renewal_notice_days=60,
        ),
        now,
    )
    services.send_for_signature(session, actor, dsa, now)
    dsa = services.get_agreement(session, partnership.id, dsa.id)
    if dsa.parties:
        _sign(session, world, actor, dsa.parties[0], today - timedelta(days=3), today, now)
    session.flush()


def _sign(session, world, actor, party, signed_on, today, now) -> None:
    """Record the signature of the agency's signatory (or its liaison, named as signer)."""
    signer = next(
        (
            m
            for m in world.members
            if m.partner_agency_id == party.partner_agency_id and m.is_signatory
        ),
        None,
    ) or next((m for m in world.members if m.partner_agency_id == party.partner_agency_id), None)
    services.record_signature(
        session,
        actor,
        party,
        signer_name=signer.user.name if signer else "Agency director",
        signer_title=(signer.position if signer else "") or "Agency director",
        signed_on=signed_on,
        today=today,
        now=now,
    )
