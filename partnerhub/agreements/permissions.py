"""Who may record a party's signature on an agreement, or a joining agency's on an amendment."""

from __future__ import annotations

from partnerhub.agreements.models import AgreementAmendment, AgreementParty
from partnerhub.partnerships.models import Membership, Role
from partnerhub.permissions import Action, rule


@rule(Action.AGREEMENT_SIGN)
def may_sign(membership: Membership, party: AgreementParty | AgreementAmendment) -> bool:
    """A facilitator records any party's signature; a signatory member their own agency's
    (an amendment names the joining agency as a party does)."""
    if membership.role is Role.FACILITATOR:
        return True
    return (
        membership.role is Role.MEMBER
        and membership.is_signatory
        and party is not None
        and membership.partner_agency_id == party.partner_agency_id
    )
