"""Action items: added at a meeting, listed for the partnership, marked done or dropped."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    g,
    redirect,
    request,
    url_for,
)
from flask_login import current_user, login_required

from partnerhub import permissions
from partnerhub.db import utcnow
from partnerhub.extensions import database
from partnerhub.identifiers import IdentifiersFound
from partnerhub.meetings import exports, queries, services
from partnerhub.meetings.forms import (
    ActionStatusForm,
)
from partnerhub.meetings.models import ActionItemStatus
from partnerhub.meetings.views import MEETING, PARTNERSHIP, blueprint
from partnerhub.meetings.views.common import (
    _meeting,
    _meeting_page,
    _page,
    _record_action_item,
    _to_meeting,
)
from partnerhub.pagination import requested_page
from partnerhub.partnerships.services import local_today
from partnerhub.permissions import Action
from partnerhub.web import apply, csv_download, load_partnership, require


@blueprint.route(MEETING + "/action-items", methods=["POST"])
@login_required
def add_action_item(partnership_id: int, meeting_id: int):
    """Record an action item agreed at this meeting."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    meeting = _meeting(partnership, meeting_id)
    form, added = _record_action_item(partnership, meeting)
    if added is None or isinstance(added.refusal, IdentifiersFound):
        return _meeting_page(partnership, meeting, action_form=form)  # reloaded after rollback
    return _to_meeting(meeting)


@blueprint.route(PARTNERSHIP + "/action-items")
@login_required
def action_items(partnership_id: int):
    """The partnership's action items: open ones by default, mine or everyone's, a page at
    a time."""
    partnership = load_partnership(partnership_id)
    status_name = request.args.get("status", "open")
    status = next((s for s in ActionItemStatus if s.value == status_name), None)
    mine = bool(request.args.get("mine"))
    items = queries.action_items_page(
        database.session,
        partnership.id,
        status,
        owner_membership_id=g.membership.id if mine else None,
        number=requested_page(request.args),
    )
    return _page(
        "meetings/action_items.html",
        partnership,
        items=items,
        status_name=status_name if status else "all",
        mine=mine,
        status_form=ActionStatusForm(),
    )


@blueprint.route(PARTNERSHIP + "/action-items.csv")
@login_required
def action_items_csv(partnership_id: int):
    """Every action item with its owner, agency, due date and status, as a spreadsheet."""
    partnership = load_partnership(partnership_id)
    return csv_download(
        exports.action_items_csv(database.session, partnership),
        f"action-items-{local_today(partnership, utcnow()).isoformat()}.csv",
    )


@blueprint.route(PARTNERSHIP + "/action-items/<int:item_id>/status", methods=["POST"])
@login_required
def update_action_item(partnership_id: int, item_id: int):
    """Mark an action item done, dropped or open (its owner, their agency, or a facilitator)."""
    partnership = load_partnership(partnership_id)
    item = queries.action_item_in(database.session, partnership.id, item_id) or abort(404)
    require(Action.ACTION_ITEM_UPDATE, item)
    form = ActionStatusForm()
    if form.validate_on_submit():
        apply(
            services.set_action_item_status,
            database.session,
            current_user,
            item,
            ActionItemStatus(form.status.data),
            utcnow(),
            done=lambda _: f"“{item.title}” is {item.status.label.lower()}.",
        )
    else:
        flash("Choose a status.", "error")
    return redirect(request.referrer or url_for(".action_items", partnership_id=partnership.id))
