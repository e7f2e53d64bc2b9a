"""Taking a meeting's attendance."""

from __future__ import annotations

from flask import (
    request,
)
from flask_login import current_user, login_required

from partnerhub import permissions
from partnerhub.db import utcnow
from partnerhub.extensions import database
from partnerhub.meetings import queries, services
from partnerhub.meetings.forms import (
    AttendanceForm,
    options,
)
from partnerhub.meetings.models import AttendanceStatus
from partnerhub.meetings.views import MEETING, blueprint
from partnerhub.meetings.views.common import _act, _meeting, _member_label, _page
from partnerhub.web import load_partnership


@blueprint.route(MEETING + "/attendance", methods=["GET", "POST"])
@login_required
def record_attendance(partnership_id: int, meeting_id: int):
    """Record who attended."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    meeting = _meeting(partnership, meeting_id)
    members = queries.members_of(database.session, partnership.id)
    form = AttendanceForm()
    form.attended.choices = options((m.id, _member_label(m)) for m in members)
    if request.method == "GET":
        form.attended.data = [
            a.membership_id
            for a in meeting.attendances
            if a.status in (AttendanceStatus.ATTENDED, AttendanceStatus.ACCEPTED)
        ]
    elif form.validate_on_submit():
        attended = set(form.attended.data or [])
        return _act(
            partnership,
            meeting,
            lambda: services.record_attendance(
                database.session,
                current_user,
                meeting,
                members,
                attended,
                partnership.timezone,
                utcnow(),
            ),
            "Attendance recorded.",
        )
    return _page("meetings/attendance_form.html", partnership, form=form, meeting=meeting)
