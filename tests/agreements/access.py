"""Routes of the agreements module and who may reach them."""

from datetime import timedelta

from sqlalchemy import select

from partnerhub.agreements.clauses import CLAUSES
from partnerhub.agreements.models import AgreementAmendment, AgreementParty
from partnerhub.partnerships.models import PartnerAgency, Sector
from tests.clock import today_in

ROUTES = {
    "agreements.index": "view",
    "agreements.agreements_csv": "view",
    "agreements.new": "manage",
    "agreements.show": "view",
    "agreements.edit": "manage",
    "agreements.send": "manage",
    "agreements.delete": "manage",
    # Members who are their agency's signatory record its signature; facilitators any.
    "agreements.sign": "contribute",
    "agreements.record_signatures": "contribute",
    "agreements.withdraw_signature": "manage",
    "agreements.terminate": "manage",
    "agreements.renew": "manage",
    "agreements.upload": "manage",
    "agreements.download": "view",
    "agreements.delete_document": "manage",
    "agreements.edit_clauses": "manage",
    "agreements.draft_from_matrix": "manage",
    "agreements.printable": "view",
    "agreements.review": "manage",
    "agreements.amend": "manage",
    # The joining agency's signatory records its signature; facilitators any.
    "agreements.sign_amendment": "contribute",
    "agreements.accept_amendment": "manage",
}

# (endpoint, a valid submission, fields whose input must come back when refused);
# a callable value is read from the test world.
AGREEMENT = {
    "title": "Helena information-sharing IGA",
    "kind": "iga",
    "purpose": "Schools and police share attendance counts.",
    "parties": lambda world: str(world.member.partner_agency_id),
    "legal_bases": "ferpa_consent",
    "data_categories": "attendance",
    "effective_on": "2030-01-01",
    "expires_on": "2031-01-01",
    "renewal_notice_days": "90",
    "renewal_rule": "by_amendment",
}
FORMS = [
    ("agreements.new", AGREEMENT, ["title", "purpose"]),
    ("agreements.edit", AGREEMENT, ["title", "purpose"]),
    (
        "agreements.sign",
        {"signer_name": "Mo Member", "signer_title": "Resource coordinator",
         "signed_on": "2030-01-02", "correction": ""},
        ["signer_name", "signer_title"],
    ),
    ("agreements.withdraw_signature", {"reason": "Recorded for the wrong agency."}, ["reason"]),
    (
        "agreements.terminate",
        {"terminated_on": "2030-01-02", "reason": "Replaced by a county-wide IGA."},
        ["reason"],
    ),
    (
        "agreements.edit_clauses",
        {clause.attr: clause.default or "Attendance counts, weekly." for clause in CLAUSES},
        [clause.attr for clause in CLAUSES],
    ),
    (
        "agreements.review",
        {"reviewed_on": lambda world: today_in(world.partnership).isoformat()},
        [],
    ),
    (
        "agreements.amend",
        {"agency": lambda world: str(world.member.partner_agency_id),
         "text": "Helena Public Schools joins on every term."},
        ["text"],
    ),
    (
        "agreements.sign_amendment",
        {"signer_name": "Mo Member", "signer_title": "Resource coordinator",
         "signed_on": lambda world: today_in(world.partnership).isoformat()},
        ["signer_name", "signer_title"],
    ),
]  # fmt: skip


def url_values(make, world) -> dict[str, dict]:
    """A draft and an active agreement of the world's partnership, the school agency a party
    (the world's member is its signatory), and a document on the active one; two agreements
    the police signed, one the school may join, one it is joining by a pending amendment."""
    school = make.session.get(PartnerAgency, world.member.partner_agency_id)
    today = today_in(world.partnership)
    draft = make.agreement(
        world.partnership, [school], purpose="Attendance sharing.", effective_on=today
    )
    active = make.agreement(
        world.partnership,
        [school],
        purpose="Attendance sharing.",
        effective_on=today - timedelta(days=30),
        expires_on=today + timedelta(days=335),
        signed=True,
    )
    party = make.session.scalars(
        select(AgreementParty).where(AgreementParty.agreement_id == active.id)
    ).one()
    document = make.agreement_document(active)
    police = make.agency(
        world.partnership, "Lewis and Clark County Sheriff's Office", Sector.LAW_ENFORCEMENT
    )
    # Signed by the police only: the school (the member's agency) may join it by amendment.
    joinable = make.agreement(
        world.partnership,
        [police],
        effective_on=today - timedelta(days=30),
        expires_on=today + timedelta(days=335),
        signed=True,
    )
    joining = make.agreement(
        world.partnership,
        [police],
        effective_on=today - timedelta(days=30),
        expires_on=today + timedelta(days=335),
        signed=True,
    )
    amendment = AgreementAmendment(
        agreement_id=joining.id, number=1, partner_agency_id=school.id, text="The school joins."
    )
    make.session.add(amendment)
    make.session.flush()
    out = make.agreement(world.partnership, [school], purpose="Attendance sharing.", sent=True)
    on_draft = {"agreement_id": draft.id}
    on_active = {"agreement_id": active.id}
    on_amendment = {"agreement_id": joining.id, "amendment_id": amendment.id}
    return {
        "agreements.show": on_active,
        "agreements.edit": on_draft,
        "agreements.send": on_draft,
        "agreements.delete": on_draft,
        "agreements.sign": {**on_active, "party_id": party.id},
        "agreements.record_signatures": {"agreement_id": out.id},
        "agreements.withdraw_signature": {**on_active, "party_id": party.id},
        "agreements.terminate": on_active,
        "agreements.renew": on_active,
        "agreements.upload": on_active,
        "agreements.download": {**on_active, "document_id": document.id},
        "agreements.delete_document": {**on_active, "document_id": document.id},
        "agreements.edit_clauses": on_draft,
        "agreements.draft_from_matrix": on_draft,
        "agreements.printable": on_active,
        "agreements.review": on_active,
        "agreements.amend": {"agreement_id": joinable.id},
        "agreements.sign_amendment": on_amendment,
        "agreements.accept_amendment": on_amendment,
    }
