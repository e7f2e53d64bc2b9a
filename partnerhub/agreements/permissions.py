"""Who may record a party's signature on an agreement, or a joining agency's on an amendment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from partnerhub.agreements.models import AgreementAmendment, AgreementParty
from partnerhub.partnerships.models import Membership, Role
from partnerhub.permissions import Action, rule

if TYPE_CHECKING:
    from partnerhub.agreements.services import UnsignedParty


def signs_for(
    membership: Membership | None, party: AgreementParty | AgreementAmendment | UnsignedParty
) -> bool:
    """A signatory records their own agency's signature (an amendment names the joining
    agency as a party does)."""
    return (
        membership is not None
        and membership.role in (Role.MEMBER, Role.FACILITATOR)
        and membership.is_signatory
        and party is not None
        and membership.partner_agency_id == party.partner_agency_id
    )


@rule(Action.AGREEMENT_SIGN)
def may_sign(
    membership: Membership, party: AgreementParty | AgreementAmendment | UnsignedParty
) -> bool:
    """A signatory member records their own agency's signature; a facilitator any party's,
    on its behalf."""
    return membership.role is Role.FACILITATOR or signs_for(membership, party)
