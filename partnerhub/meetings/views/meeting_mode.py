"""Meeting mode: one page to run a meeting from, on a tablet or a phone.

Every control is a plain form that posts and comes back to the item it acted on, so the page
works without JavaScript; with it, notes save as they are typed (meeting_mode.js) and the
agenda is reordered by dragging (agenda_order.js), both through the same routes, which then
answer in JSON.
"""

from __future__ import annotations

from flask import abort, g, jsonify, redirect, request, url_for
from flask_login import current_user, login_required

from partnerhub import permissions
from partnerhub.db import utcnow
from partnerhub.errors import DomainError
from partnerhub.extensions import database
from partnerhub.identifiers import IdentifiersFound
from partnerhub.meetings import queries, services
from partnerhub.meetings.forms import (
    ActionItemForm,
    AgendaOrderForm,
    ItemNotesForm,
    MarkAttendanceForm,
)
from partnerhub.meetings.models import AttendanceStatus
from partnerhub.meetings.views import ITEM, MEETING, blueprint
from partnerhub.meetings.views.common import (
    _agenda_item,
    _meeting,
    _page,
    _record_action_item,
)
from partnerhub.web import apply, load_partnership, local_time

RUN = MEETING + "/run"


@blueprint.route(RUN)
@login_required
def meeting_mode(partnership_id: int, meeting_id: int):
    """Run the meeting: the agenda with its clock, notes, attendance and action items."""
    partnership = load_partnership(partnership_id)
    return _mode_page(partnership, _meeting(partnership, meeting_id))


@blueprint.route(ITEM + "/start", methods=["POST"])
@login_required
def start_agenda_item(partnership_id: int, meeting_id: int, item_id: int):
    """Start an item's clock (the running one stops)."""
    _, meeting, item = _agenda_item(partnership_id, meeting_id, item_id)
    apply(services.start_agenda_item, database.session, current_user, item, utcnow())
    return _back(meeting, f"item-{item.id}")


@blueprint.route(RUN + "/next", methods=["POST"])
@login_required
def next_agenda_item(partnership_id: int, meeting_id: int):
    """Stop the running item and start the next one."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    meeting = _meeting(partnership, meeting_id)
    started = apply(
        services.next_agenda_item,
        database.session,
        current_user,
        meeting,
        utcnow(),
        done=lambda item: f"Now: “{item.title}”." if item else "That was the last item.",
    )
    return _back(meeting, f"item-{started.result.id}" if started.result else "agenda")


@blueprint.route(ITEM + "/notes", methods=["POST"])
@login_required
def save_item_notes(partnership_id: int, meeting_id: int, item_id: int):
    """Save one item's notes into the draft minutes; answers in JSON when asked to."""
    partnership, meeting, item = _agenda_item(partnership_id, meeting_id, item_id)
    form = ItemNotesForm()
    wants_json = request.accept_mimetypes.best == "application/json"
    if not form.validate_on_submit():
        if wants_json:
            errors = [e for field in form for e in field.errors]
            return jsonify(error=" ".join(errors) or "Reload the page."), 400
        return _mode_page(partnership, meeting, notes_forms={item.id: form})
    saved = apply(
        services.save_item_notes,
        database.session,
        current_user,
        item,
        form.notes.data or "",
        form.version.data,
        utcnow(),
        keep_reason=form.kept_reason,
        done=None if wants_json else "Notes saved.",
        at={IdentifiersFound: form.keep_reason, DomainError: form.notes},
    )
    if wants_json:
        return _notes_answer(item, saved.refusal)
    if saved:
        return _back(meeting, f"item-{item.id}")
    # Refused: shown at the field with what was typed; a later save knowingly replaces theirs.
    if isinstance(saved.refusal, services.NotesChanged):
        form.version.data, form.version.raw_data = item.notes_version, None
    return _mode_page(partnership, meeting, notes_forms={item.id: form})


def _notes_answer(item, refusal: DomainError | None):
    if refusal is None:
        return jsonify(saved=True, version=item.notes_version)
    answer = {"error": str(refusal), "version": item.notes_version}
    if isinstance(refusal, services.NotesChanged):
        return jsonify(**answer, theirs=item.notes), 409
    if isinstance(refusal, IdentifiersFound):
        return jsonify(**answer, identifiers=True), 422
    return jsonify(**answer), 409


@blueprint.route(RUN + "/attendance/<int:membership_id>", methods=["POST"])
@login_required
def mark_attendance(partnership_id: int, meeting_id: int, membership_id: int):
    """Mark one member present or absent."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    meeting = _meeting(partnership, meeting_id)
    members = queries.members_of(database.session, partnership.id)
    member = next((m for m in members if m.id == membership_id), None) or abort(404)
    form = MarkAttendanceForm()
    if form.validate_on_submit():
        apply(
            services.mark_attendance,
            database.session,
            current_user,
            meeting,
            member,
            form.present.data == "yes",
            partnership.timezone,
            utcnow(),
        )
    return _back(meeting, f"member-{member.id}")


@blueprint.route(RUN + "/action-items", methods=["POST"])
@login_required
def add_action_item_in_meeting(partnership_id: int, meeting_id: int):
    """Record an action item without leaving meeting mode."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    meeting = _meeting(partnership, meeting_id)
    form, added = _record_action_item(partnership, meeting)
    if added:
        return _back(meeting, "action-items")
    return _mode_page(partnership, meeting, action_form=form)


@blueprint.route(ITEM + "/carry", methods=["POST"])
@login_required
def carry_agenda_item(partnership_id: int, meeting_id: int, item_id: int):
    """Put an unfinished item on the next meeting's agenda."""
    partnership, meeting, item = _agenda_item(partnership_id, meeting_id, item_id)
    apply(
        services.carry_to_next_meeting,
        database.session,
        current_user,
        item,
        utcnow(),
        done=lambda following: (
            f"“{item.title}” is on the agenda of {following.title}, "
            f"{local_time(following.starts_at, partnership.timezone, '%d %b')}."
        ),
    )
    return _back(meeting, f"item-{item.id}")


@blueprint.route(MEETING + "/agenda/order", methods=["POST"])
@login_required
def reorder_agenda(partnership_id: int, meeting_id: int):
    """Put the agenda in a new order (dragged into place): every item's id, in order."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    meeting = _meeting(partnership, meeting_id)
    form = AgendaOrderForm()
    ids = form.item_ids if form.validate_on_submit() else None
    if ids is None:
        return jsonify(error="Send the agenda's item ids in their new order."), 400
    done = apply(
        services.reorder_agenda, database.session, current_user, meeting, ids, utcnow(), at=form
    )
    if not done:
        return jsonify(error=str(done.refusal)), 400
    return jsonify(saved=True, order=[item.id for item in meeting.agenda_items])


def _back(meeting, anchor: str):
    return redirect(
        url_for(
            ".meeting_mode",
            partnership_id=meeting.partnership_id,
            meeting_id=meeting.id,
            _anchor=anchor,
        )
    )


def _mode_page(partnership, meeting, *, notes_forms=None, action_form=None):
    members = queries.members_of(database.session, partnership.id)
    agencies = queries.agencies_of(database.session, partnership.id)
    if action_form is None:
        action_form = ActionItemForm(formdata=None)
        action_form.set_owners(members, agencies)
    notes_forms = notes_forms or {}
    for item in meeting.agenda_items:
        if item.id not in notes_forms:
            notes_forms[item.id] = ItemNotesForm(
                formdata=None, notes=item.notes, version=item.notes_version
            )
    following, carried = queries.carried_to_next(database.session, meeting)
    now = utcnow()
    return _page(
        "meetings/meeting_mode.html",
        partnership,
        meeting=meeting,
        manage=permissions.can(g.membership, permissions.MANAGE),
        members=members,
        attendance={a.membership_id: a.status for a in meeting.attendances},
        attended=AttendanceStatus.ATTENDED,
        notes_forms=notes_forms,
        action_form=action_form,
        action_items=queries.meeting_action_items(database.session, meeting.id),
        next_meeting=following,
        carried=carried,
        elapsed={item.id: item.elapsed_seconds(now) for item in meeting.agenda_items},
    )
