"""Demo agreements: an MOU in force whose renewal notice opens within four months, written in
Helena's words and covering the sharing matrix, which the substance-abuse treatment agency
joined by a signed amendment; and a data-sharing agreement out for signature."""

from __future__ import annotations

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session

from partnerhub.agreements import clauses, services
from partnerhub.agreements.models import AgreementKind, RenewalRule
from partnerhub.partnerships.models import Sector
from partnerhub.partnerships.services import local_today
from partnerhub.procedures import services as procedures
from partnerhub.procedures.models import DataCategory, LegalBasis

# Helena's wording where it says more than the standard clauses.
HELENA_CLAUSES = {
    "parties_clause": (
        "Helena Public Schools, the Helena Police Department, the Lewis and Clark County "
        "Attorney's Office (youth court and probation), the Helena Youth Mental Health Center and "
        "Montana Child and Family Services, Helena Office, and any agency that joins by a signed "
        "amendment. Each acts under its own authority and names on the partnership's roster a "
        "liaison and an alternate; the district's community resource and referral coordinator "
        "convenes the partnership."
    ),
    "training_clause": (
        "Each party trains the staff who share information under this agreement on the "
        "essential elements of HIPAA, FERPA, federal drug and alcohol confidentiality law "
        "(42 CFR Part 2) and the Montana Youth Court Act before they share, new staff within 60 "
        "days of their start, and everyone again each school year. The partnership runs the "
        "training each August with the district's attorney and the HIPAA consultant, and keeps "
        "the attendance."
    ),
    "disputes_clause": (
        "A disagreement about sharing is raised first between the liaisons concerned; if they "
        "cannot settle it, it goes on the agenda of the monthly partner meeting, where the "
        "district's attorney, the deputy county attorney and the HIPAA consultant advise; if it "
        "is still unsettled, the signatories meet within 30 days. Until then the information is "
        "shared only in a health or safety emergency. An agency joining the partnership later "
        "becomes a party by signing an amendment, which the facilitator accepts on the "
        "partnership's behalf; the parties agree to this by signing this agreement."
    ),
    "term_clause": (
        "This agreement takes effect on its effective date once every party has signed, runs "
        "for one year and is renewed by a signed amendment. As Montana law requires of a "
        "cooperative agreement (MCA 52-2-203), the parties review it together at least once a "
        "year, at a monthly partner meeting, by its annual review date. A party may withdraw on "
        "90 days' written notice; information it already received stays under this agreement's "
        "limits."
    ),
}
HELENA_FLOWS = (
    "The parties share only attendance, discipline and court status, each with the consent of "
    "the parent or eligible student or under the exception the sharing matrix names, and "
    "nothing else."
)

# The agencies of the agreement out for signature: the school district signed, the clinic not.
PAIR = (Sector.SCHOOL, Sector.MENTAL_HEALTH)


def extend(session: Session, world) -> None:
    """Add the demo partnership's agreements, signed by its agencies' signatories."""
    partnership, now = world.partnership, world.now
    actor = world.facilitator.user
    today = local_today(partnership, now)
    agencies = services.active_agencies(session, partnership.id)
    flows = services.partnership_flows(session, partnership.id)
    # The substance-abuse treatment agency joined after the MOU was signed, by amendment.
    treatment = world.agencies.get(Sector.OTHER)
    founders = [a for a in agencies if treatment is None or a.id != treatment.id]
    founding_ids = {a.id for a in founders}

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
            party_agency_ids=[a.id for a in founders],
            flow_ids=[f.id for f in flows if f.from_agency_id in founding_ids],
            legal_bases=["ferpa_consent", "ferpa_juvenile_justice", "hipaa_authorization"],
            data_categories=["attendance", "discipline", "court_status"],
            effective_on=expires_on - relativedelta(years=1),
            expires_on=expires_on,
            renewal_rule=RenewalRule.BY_AMENDMENT,
            # The annual review falls due in three weeks: the sweep flags it.
            review_on=today + timedelta(days=21),
        ),
        now,
    )
    texts = {
        **HELENA_CLAUSES,
        "redisclosure_clause": clauses.with_part2_notice(clauses.REDISCLOSURE),
    }
    if not mou.flows_clause:
        texts["flows_clause"] = HELENA_FLOWS
    services.update_clauses(session, actor, mou, texts, now)
    services.send_for_signature(session, actor, mou, now)
    mou = services.get_agreement(session, partnership.id, mou.id)
    signed_on = mou.effective_on - timedelta(days=14)
    for party in mou.parties:
        _sign(session, world, actor, party, signed_on, today, now)
    if treatment is not None:
        _treatment_joins(session, world, actor, mou, treatment, today, now)

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
            flow_ids=[
                f.id
                for f in flows
                if f.from_agency_id in pair
                and f.to_agency_id in pair
                and "mental_health_referral_status" in f.data_categories
            ],
            legal_bases=["ferpa_consent", "hipaa_authorization"],
            data_categories=["mental_health_referral_status"],
            effective_on=today + timedelta(days=30),
            expires_on=today + timedelta(days=30) + relativedelta(years=2),
            renewal_notice_days=60,
        ),
        now,
    )
    if not dsa.flows_clause:
        services.update_clauses(
            session,
            actor,
            dsa,
            {
                "flows_clause": (
                    "The clinic tells the referring school counselor whether a referral was "
                    "received and whether the first appointment was kept, with a signed HIPAA "
                    "authorization, and nothing more."
                )
            },
            now,
        )
    services.send_for_signature(session, actor, dsa, now)
    dsa = services.get_agreement(session, partnership.id, dsa.id)
    if dsa.parties:
        _sign(session, world, actor, dsa.parties[0], today - timedelta(days=3), today, now)
    session.flush()


def _sign(session, world, actor, party, signed_on, today, now) -> None:
    """Record the signature of the agency's signatory (or its liaison, named as signer)."""
    signer = _signer(world, party.partner_agency_id)
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


def _treatment_joins(session, world, actor, mou, treatment, today, now) -> None:
    """Capital Area Recovery Services joins the MOU by amendment 1, signed a month ago and
    accepted by the facilitator, bringing a flow of treatment attendance to probation under a
    42 CFR Part 2 consent."""
    court = world.agencies.get(Sector.JUVENILE_JUSTICE)
    facilitator = world.facilitator
    added = []
    if court is not None:
        added.append(
            procedures.add_flow(
                session,
                facilitator,
                procedures.FlowData(
                    treatment.id,
                    court.id,
                    "Probation officer",
                    [DataCategory.OTHER],
                    "Whether a youth on probation attends treatment, monthly, with the youth's "
                    "written consent",
                    LegalBasis.PART2_CONSENT,
                    consent_required=True,
                ),
                now,
            )
        )
    joined_on = today - timedelta(days=30)
    amendment = services.propose_amendment(
        session, actor, mou, treatment.id, [f.id for f in added], "", today, now
    )
    signer = _signer(world, treatment.id)
    services.sign_amendment(
        session,
        actor,
        amendment,
        signer_name=signer.user.name if signer else "Executive director",
        signer_title=(signer.position if signer else "") or "Executive director",
        signed_on=joined_on,
        today=today,
        now=now,
    )
    services.accept_amendment(session, actor, amendment, today, now)


def _signer(world, agency_id: int):
    """The agency's signatory, else any of its people (None when it has nobody)."""
    people = [m for m in world.members if m.partner_agency_id == agency_id]
    return next((m for m in people if m.is_signatory), None) or next(iter(people), None)
