"""Routes of the audit module: a partnership's activity, for its facilitators."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from partnerhub import permissions
from partnerhub.audit.services import partnership_events
from partnerhub.extensions import database
from partnerhub.partnerships.registry import add_tab
from partnerhub.web import load_partnership

blueprint = Blueprint("audit", __name__)

add_tab("Activity", "audit.activity", 90, permissions.MANAGE, section="activity")


@blueprint.route("/partnerships/<int:partnership_id>/activity")
@login_required
def activity(partnership_id: int):
    """Every recorded change to the partnership: who did what, and when."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    events = partnership_events(database.session, partnership.id)
    return render_template("audit/activity.html", partnership=partnership, events=events)
