"""Who may update an action item."""

from __future__ import annotations

from partnerhub.meetings.models import ActionItem
from partnerhub.partnerships.models import Membership
from partnerhub.permissions import CONTRIBUTE, MANAGE, Action, can, rule


@rule(Action.ACTION_ITEM_UPDATE)
def may_update_action_item(membership: Membership, item: ActionItem) -> bool:
    """Facilitators, the owner, and members of the owning agency update an action item."""
    if can(membership, MANAGE):
        return True
    if not can(membership, CONTRIBUTE) or item is None:
        return False
    return item.owner_membership_id == membership.id or (
        item.owner_agency_id is not None and item.owner_agency_id == membership.partner_agency_id
    )
