"""One meeting: its page, changing, cancelling and printing it, and answering it."""

from __future__ import annotations

from flask import (
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
from partnerhub.meetings import queries, services
from partnerhub.meetings.forms import (
    CancelForm,
    MeetingForm,
    ResponseForm,
)
from partnerhub.meetings.recurrence import to_local
from partnerhub.meetings.views import MEETING, blueprint
from partnerhub.meetings.views.common import (
    _act,
    _meeting,
    _meeting_data,
    _meeting_page,
    _page,
    _to_meeting,
    partnership_zone,
)
from partnerhub.web import apply, load_partnership


@blueprint.route(MEETING)
@login_required
def meeting(partnership_id: int, meeting_id: int):
    """A meeting: time and place, agenda, attendance, minutes and action items."""
    partnership = load_partnership(partnership_id)
    return _meeting_page(partnership, _meeting(partnership, meeting_id))


@blueprint.route(MEETING + "/edit", methods=["GET", "POST"])
@login_required
def edit_meeting(partnership_id: int, meeting_id: int):
    """Move this meeting or change its place, leaving the rest of its series as it is."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    meeting = _meeting(partnership, meeting_id)
    form = MeetingForm()
    if request.method == "GET":
        local = to_local(meeting.starts_at, partnership_zone(partnership))
        form.process(
            obj=meeting,
            starts_on=local.date(),
            start_time=local.time(),
            duration_minutes=meeting.duration_minutes,
        )
    elif form.validate_on_submit():
        return _act(
            partnership,
            meeting,
            lambda: services.edit_meeting(
                database.session,
                current_user,
                meeting,
                _meeting_data(form),
                partnership.timezone,
                utcnow(),
            ),
            "The meeting is changed.",
        )
    return _page("meetings/meeting_form.html", partnership, form=form, meeting=meeting)


@blueprint.route(MEETING + "/cancel", methods=["GET", "POST"])
@login_required
def cancel_meeting(partnership_id: int, meeting_id: int):
    """Cancel this meeting, with a reason everyone sees."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    meeting = _meeting(partnership, meeting_id)
    form = CancelForm()
    if form.validate_on_submit():
        return _act(
            partnership,
            meeting,
            lambda: services.cancel_meeting(
                database.session, current_user, meeting, form.reason.data, utcnow()
            ),
            "The meeting is cancelled.",
        )
    return _page("meetings/cancel.html", partnership, form=form, meeting=meeting)


@blueprint.route(MEETING + "/print")
@login_required
def print_meeting(partnership_id: int, meeting_id: int):
    """The agenda (and minutes, once written) on paper."""
    partnership = load_partnership(partnership_id)
    meeting = _meeting(partnership, meeting_id)
    return _page(
        "meetings/print.html",
        partnership,
        meeting=meeting,
        members={m.id: m for m in queries.members_of(database.session, partnership.id)},
        action_items=queries.meeting_action_items(database.session, meeting.id),
    )


@blueprint.route(MEETING + "/respond", methods=["POST"])
@login_required
def respond(partnership_id: int, meeting_id: int):
    """Accept or decline the invitation to this meeting."""
    partnership = load_partnership(partnership_id, permissions.CONTRIBUTE)
    meeting = _meeting(partnership, meeting_id)
    form = ResponseForm()
    if not form.validate_on_submit():
        flash("Choose whether you will attend.", "error")
        return _to_meeting(meeting)
    accepted = form.answer.data == "accept"
    answered = "You will attend" if accepted else "You declined"
    if form.back.data not in ANSWERED_FROM:
        return _act(
            partnership,
            meeting,
            lambda: services.respond(database.session, g.membership, meeting, accepted, utcnow()),
            f"{answered}.",
        )
    apply(
        services.respond,
        database.session,
        g.membership,
        meeting,
        accepted,
        utcnow(),
        done=f"{answered} {meeting.title}.",
    )
    return redirect(url_for(ANSWERED_FROM[form.back.data]))


# Pages besides the meeting's that answer it, and go back there: named, never a URL.
ANSWERED_FROM = {"dashboard": "partnerships.dashboard", "waiting": "partnerships.waiting"}
