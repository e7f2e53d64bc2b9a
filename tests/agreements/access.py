"""Routes of the agreements module and who may reach them."""

from datetime import timedelta

from sqlalchemy import select

from partnerhub.agreements.models import AgreementParty
from partnerhub.partnerships.models import PartnerAgency
from tests.clock import today_in

ROUTES = {
    "agreements.index": "view",
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
]  # fmt: skip


def url_values(make, world) -> dict[str, dict]:
    """A draft and an active agreement of the world's partnership, the school agency a party
    (the world's member is its signatory), and a document on the active one."""
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
    out = make.agreement(world.partnership, [school], purpose="Attendance sharing.", sent=True)
    on_draft = {"agreement_id": draft.id}
    on_active = {"agreement_id": active.id}
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
    }
