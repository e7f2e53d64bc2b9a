"""A meeting's minutes: writing them per agenda item, finalizing and reopening them."""

from __future__ import annotations

from flask import (
    flash,
    request,
)
from flask_login import current_user, login_required

from partnerhub import permissions
from partnerhub.db import utcnow
from partnerhub.extensions import database
from partnerhub.forms import id_or_none
from partnerhub.identifiers import IdentifiersFound
from partnerhub.meetings import services
from partnerhub.meetings.forms import (
    YOUTH_REMINDER,
    MinutesForm,
    ReasonForm,
)
from partnerhub.meetings.views import MEETING, blueprint
from partnerhub.meetings.views.common import _act, _meeting, _page, _to_meeting
from partnerhub.web import apply, load_partnership


@blueprint.route(MEETING + "/minutes", methods=["GET", "POST"])
@login_required
def edit_minutes(partnership_id: int, meeting_id: int):
    """Write the draft minutes: a summary, and notes and a decision per agenda item."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    meeting = _meeting(partnership, meeting_id)
    minutes = meeting.minutes
    if minutes is not None and minutes.is_final:
        flash("The minutes are final. Reopen them to make a correction.", "info")
        return _to_meeting(meeting)
    items = [i for i in meeting.agenda_items if not i.is_proposed]
    form = MinutesForm()
    if request.method == "GET":
        form.summary.data = minutes.summary if minutes else ""
        for item in items:
            form.items.append_entry(
                {
                    "item_id": item.id,
                    "notes": item.notes,
                    "decision": item.decision,
                    "is_finished": item.is_finished,
                }
            )
    elif form.validate_on_submit():
        entries = {
            id_or_none(entry.item_id.data): services.ItemMinutes(
                entry.notes.data or "", entry.decision.data or "", entry.is_finished.data
            )
            for entry in form.items
            if id_or_none(entry.item_id.data) is not None
        }
        saved = apply(
            services.save_minutes,
            database.session,
            current_user,
            meeting,
            form.summary.data or "",
            entries,
            utcnow(),
            keep_reason=form.kept_reason,
            done="Draft minutes saved.",
            at={IdentifiersFound: form.keep_reason},
        )
        if saved:
            return _to_meeting(meeting)
    titles = {i.id: i for i in items}
    return _page(
        "meetings/minutes_form.html",
        partnership,
        form=form,
        meeting=meeting,
        items=titles,
        youth_reminder=YOUTH_REMINDER,
    )


@blueprint.route(MEETING + "/minutes/finalize", methods=["POST"])
@login_required
def finalize_minutes(partnership_id: int, meeting_id: int):
    """Make the minutes final (locked); the meeting counts as held."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    meeting = _meeting(partnership, meeting_id)
    return _act(
        partnership,
        meeting,
        lambda: services.finalize_minutes(database.session, current_user, meeting, utcnow()),
        "The minutes are final.",
    )


@blueprint.route(MEETING + "/minutes/reopen", methods=["GET", "POST"])
@login_required
def reopen_minutes(partnership_id: int, meeting_id: int):
    """Reopen final minutes for a correction; the final version is kept."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    meeting = _meeting(partnership, meeting_id)
    form = ReasonForm()
    if form.validate_on_submit():
        return _act(
            partnership,
            meeting,
            lambda: services.reopen_minutes(
                database.session, current_user, meeting, form.reason.data, utcnow()
            ),
            "The minutes are open for correction.",
        )
    return _page("meetings/reopen.html", partnership, form=form, meeting=meeting)
