"""Partnerships' pages: the dashboard, the overview, agencies, roster, invitations and stages.

One blueprint, its routes in a module per part: `overview` (dashboard, overview, creating and
changing a partnership), `agencies`, `roster`, `invitations`, `stages`, `directory` (site
admins); `common` holds what they share.
"""

from __future__ import annotations

from flask import Blueprint, g

from partnerhub.partnerships import checks  # noqa: F401  (registers the stage checklist items)
from partnerhub.partnerships.registry import add_tab, navigation, registry
from partnerhub.permissions import can

blueprint = Blueprint("partnerships", __name__)

add_tab("Overview", "partnerships.overview", 0, covers=("partnerships.edit_partnership",))
add_tab(
    "Stages",
    "partnerships.stages",
    5,
    covers=tuple(
        f"partnerships.{name}"
        for name in ("tick", "untick", "advance", "go_back", "record_absence")
    ),
)
add_tab(
    "Agencies",
    "partnerships.agencies",
    10,
    section="partner",
    covers=("partnerships.add_agency", "partnerships.edit_agency", "partnerships.remove_agency"),
)
add_tab(
    "Roster",
    "partnerships.roster",
    20,
    section="partner",
    covers=(
        "partnerships.edit_member",
        "partnerships.remove_member",
        "partnerships.invite",
        "partnerships.resend_invitation",
        "partnerships.revoke_invitation",
    ),
)


@blueprint.app_context_processor
def _partnership_navigation():
    def partnership_navigation(partnership, endpoint: str | None):
        """The viewer's navigation of `partnership` from the page at `endpoint`."""
        return navigation(
            registry.tabs,
            lambda tab: can(g.get("membership"), tab.action),
            endpoint or "",
            partnership.stage,
        )

    return {"partnership_navigation": partnership_navigation}


# The routes; importing them registers them.
from partnerhub.partnerships.views import (  # noqa: E402
    agencies,
    directory,
    invitations,
    overview,
    roster,
    stages,
)

__all__ = ["agencies", "blueprint", "directory", "invitations", "overview", "roster", "stages"]
