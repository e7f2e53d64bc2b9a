"""Who may record a party's signature on an agreement."""

from __future__ import annotations

from partnerhub.agreements.models import AgreementParty
from partnerhub.partnerships.models import Membership, Role
from partnerhub.permissions import Action, rule


@rule(Action.AGREEMENT_SIGN)
def may_sign(membership: Membership, party: AgreementParty) -> bool:
    """A facilitator records any party's signature; a signatory member their own agency's."""
    if membership.role is Role.FACILITATOR:
        return True
    return (
        membership.role is Role.MEMBER
        and membership.is_signatory
        and party is not None
        and membership.partner_agency_id == party.partner_agency_id
    )
