"""Partnerships' pages: the dashboard, the overview, agencies, roster, invitations and stages.

One blueprint, its routes in a module per part: `overview` (dashboard, overview, creating and
changing a partnership), `agencies`, `roster`, `invitations`, `stages`, `directory` (site
admins); `common` holds what they share.
"""

from __future__ import annotations

from flask import Blueprint

from partnerhub.partnerships import checks  # noqa: F401  (registers the stage checklist items)
from partnerhub.partnerships.registry import add_tab, registry

blueprint = Blueprint("partnerships", __name__)

add_tab("Overview", "partnerships.overview", 0)
add_tab("Agencies", "partnerships.agencies", 10)
add_tab("Roster", "partnerships.roster", 20)
add_tab("Stages", "partnerships.stages", 30)


@blueprint.app_context_processor
def _partnership_tabs():
    return {"partnership_tabs": registry.tabs}


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
