"""A meeting's agenda: proposing, changing, accepting, ordering and carrying items forward."""

from __future__ import annotations

from flask import (
    flash,
    g,
    request,
)
from flask_login import current_user, login_required

from partnerhub import permissions
from partnerhub.db import utcnow
from partnerhub.extensions import database
from partnerhub.identifiers import IdentifiersFound
from partnerhub.meetings import queries, services
from partnerhub.meetings.forms import (
    AgendaItemForm,
    subject_value,
)
from partnerhub.meetings.views import ITEM, MEETING, blueprint
from partnerhub.meetings.views.common import (
    _act,
    _agenda_data,
    _agenda_item,
    _meeting,
    _meeting_page,
    _page,
    _to_meeting,
)
from partnerhub.web import apply, load_partnership


@blueprint.route(MEETING + "/agenda", methods=["POST"])
@login_required
def add_agenda_item(partnership_id: int, meeting_id: int):
    """Add an item (facilitators) or propose one (members)."""
    partnership = load_partnership(partnership_id, permissions.CONTRIBUTE)
    meeting = _meeting(partnership, meeting_id)
    members = queries.members_of(database.session, partnership.id)
    form = AgendaItemForm()
    form.set_members(members, queries.review_subjects(database.session, partnership.id))
    if not form.validate_on_submit():
        return _meeting_page(partnership, meeting, agenda_form=form, members=members)
    proposing = not permissions.can(g.membership, permissions.MANAGE)
    added = apply(
        services.add_agenda_item,
        database.session,
        g.membership,
        meeting,
        _agenda_data(form),
        utcnow(),
        done="Proposed; a facilitator will accept it." if proposing else "Added to the agenda.",
        at={IdentifiersFound: form.keep_reason},
    )
    if isinstance(added.refusal, IdentifiersFound):  # shown at the form, with what was typed
        return _meeting_page(partnership, meeting, agenda_form=form)  # reloaded after rollback
    return _to_meeting(meeting)


@blueprint.route(ITEM + "/edit", methods=["GET", "POST"])
@login_required
def edit_agenda_item(partnership_id: int, meeting_id: int, item_id: int):
    """Change an agenda item."""
    partnership, meeting, item = _agenda_item(partnership_id, meeting_id, item_id)
    form = AgendaItemForm(obj=item if request.method == "GET" else None)
    form.set_members(
        queries.members_of(database.session, partnership.id),
        queries.review_subjects(database.session, partnership.id),
    )
    if request.method == "GET":
        form.kind.data = item.kind.value
        form.presenter_id.data = item.presenter_id or 0
        form.subject.data = subject_value(item)
    elif form.validate_on_submit():
        changed = apply(
            services.edit_agenda_item,
            database.session,
            current_user,
            item,
            _agenda_data(form),
            utcnow(),
            done="The agenda item is changed.",
            at={IdentifiersFound: form.keep_reason},
        )
        if not isinstance(changed.refusal, IdentifiersFound):
            return _to_meeting(meeting)
    return _page("meetings/agenda_item_form.html", partnership, form=form, meeting=meeting)


@blueprint.route(ITEM + "/accept", methods=["POST"])
@login_required
def accept_agenda_item(partnership_id: int, meeting_id: int, item_id: int):
    """Put a proposed item on the agenda."""
    partnership, meeting, item = _agenda_item(partnership_id, meeting_id, item_id)
    return _act(
        partnership,
        meeting,
        lambda: services.accept_agenda_item(database.session, current_user, item, utcnow()),
        f"“{item.title}” is on the agenda.",
    )


@blueprint.route(ITEM + "/move/<any(up, down):direction>", methods=["POST"])
@login_required
def move_agenda_item(partnership_id: int, meeting_id: int, item_id: int, direction: str):
    """Move an item one place up or down."""
    partnership, meeting, item = _agenda_item(partnership_id, meeting_id, item_id)
    step = -1 if direction == "up" else 1
    return _act(
        partnership,
        meeting,
        lambda: services.move_agenda_item(database.session, current_user, item, step, utcnow()),
        None,
    )


@blueprint.route(ITEM + "/remove", methods=["POST"])
@login_required
def remove_agenda_item(partnership_id: int, meeting_id: int, item_id: int):
    """Take an item off the agenda."""
    partnership, meeting, item = _agenda_item(partnership_id, meeting_id, item_id)
    return _act(
        partnership,
        meeting,
        lambda: services.remove_agenda_item(database.session, current_user, item, utcnow()),
        f"“{item.title}” is off the agenda.",
    )


@blueprint.route(MEETING + "/carry-forward", methods=["POST"])
@login_required
def carry_forward(partnership_id: int, meeting_id: int):
    """Bring the last meeting's unfinished items and the open action items onto this agenda."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    meeting = _meeting(partnership, meeting_id)

    def carry():
        items, actions = services.carry_forward(database.session, current_user, meeting, utcnow())
        flash(f"Carried forward {items} unfinished items and {actions} action items.", "success")

    return _act(partnership, meeting, carry, None)
