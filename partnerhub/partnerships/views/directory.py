"""The shared directory of organizations, for site admins."""

from __future__ import annotations

from flask import (
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user

from partnerhub.auth.views.common import admin_required
from partnerhub.db import utcnow
from partnerhub.extensions import database
from partnerhub.partnerships import (
    checks,  # noqa: F401  (registers the stage checklist items)
    services,
)
from partnerhub.partnerships.views import blueprint
from partnerhub.web import apply


@blueprint.route("/admin/organizations")
@admin_required
def organizations():
    """Every organization: private to the partnership that typed it, or shared with all."""
    entries = services.organization_directory(database.session)
    return render_template("partnerships/organizations.html", entries=entries)


@blueprint.route("/admin/organizations/<int:organization_id>/share", methods=["POST"])
@admin_required
def share_organization(organization_id: int):
    """Put an organization in the shared directory, for every partnership to seat."""
    return _set_shared(organization_id, True, "{name} is in the shared directory.")


@blueprint.route("/admin/organizations/<int:organization_id>/unshare", methods=["POST"])
@admin_required
def unshare_organization(organization_id: int):
    """Take an organization out of the shared directory; partnerships keep what they seated."""
    return _set_shared(organization_id, False, "{name} is no longer in the shared directory.")


def _set_shared(organization_id: int, shared: bool, done: str):
    apply(
        services.share_organization,
        database.session,
        current_user,
        organization_id,
        utcnow(),
        shared=shared,
        done=lambda organization: done.format(name=organization.name),
    )
    return redirect(url_for(".organizations"))
