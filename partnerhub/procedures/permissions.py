"""Who may change a procedure or a flow of the sharing matrix: those who act for its agency."""

from __future__ import annotations

from typing import TYPE_CHECKING

from partnerhub.partnerships.models import Membership, PartnerAgency
from partnerhub.permissions import CONTRIBUTE, MANAGE, Action, can, rule
from partnerhub.procedures.models import InformationFlow, Procedure

if TYPE_CHECKING:
    from partnerhub.procedures.services.procedures import Signer


def acts_for(membership: Membership, agency_id: int | None) -> bool:
    """Facilitators act for every agency; members only for the agency they represent."""
    if not can(membership, CONTRIBUTE):
        return False
    if can(membership, MANAGE):
        return True
    return agency_id is not None and membership.partner_agency_id == agency_id


@rule(Action.PROCEDURE_EDIT)
def may_edit_procedure(membership: Membership, procedure: Procedure) -> bool:
    return acts_for(membership, procedure.owning_agency_id)


@rule(Action.FLOW_EDIT)
def may_edit_flow(membership: Membership, flow: InformationFlow) -> bool:
    return acts_for(membership, flow.from_agency_id)


@rule(Action.AGENCY_SIGN_OFF)
def may_sign_for(membership: Membership | None, agency: PartnerAgency | Signer) -> bool:
    """The agency's liaison or alternate signs for it; with neither named, its representatives."""
    if not can(membership, CONTRIBUTE) or not agency.is_active:
        return False
    named = {agency.liaison_id, agency.alternate_id} - {None}
    if named:
        return membership.id in named
    return membership.partner_agency_id == agency.id


@rule(Action.AGENCY_SIGN_OFF_RECORD)
def may_record_sign_off(membership: Membership | None, agency: PartnerAgency) -> bool:
    """Those who sign for the agency record its sign-off; a facilitator records any agency's
    on its behalf (from its written or spoken approval), as for agreements' signatures."""
    if may_sign_for(membership, agency):
        return True
    return can(membership, MANAGE) and agency.is_active
