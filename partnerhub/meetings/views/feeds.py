"""Calendar files of one meeting, and private calendar feeds to subscribe to."""

from __future__ import annotations

from flask import (
    abort,
    render_template,
    url_for,
)
from flask_login import current_user, login_required

from partnerhub.db import utcnow
from partnerhub.extensions import database
from partnerhub.links import external_url
from partnerhub.meetings import calendar, queries, services
from partnerhub.meetings.views import MEETING, PARTNERSHIP, blueprint
from partnerhub.meetings.views.common import _ics, _meeting, _revoke, _subscribe
from partnerhub.web import load_partnership


@blueprint.route(MEETING + "/meeting.ics")
@login_required
def meeting_ics(partnership_id: int, meeting_id: int):
    """Download the meeting as a calendar file."""
    partnership = load_partnership(partnership_id)
    meeting = _meeting(partnership, meeting_id)
    url = external_url(".meeting", partnership_id=partnership.id, meeting_id=meeting.id)
    body = calendar.meeting_ics(meeting, partnership.timezone, url)
    return _ics(body, f"meeting-{meeting.id}.ics")


@blueprint.route(PARTNERSHIP + "/calendar/subscribe", methods=["POST"])
@login_required
def subscribe_partnership(partnership_id: int):
    """A new private feed URL of this partnership's meetings (an older one stops working)."""
    partnership = load_partnership(partnership_id)
    return _subscribe(partnership.id, url_for(".index", partnership_id=partnership.id))


@blueprint.route(PARTNERSHIP + "/calendar/revoke", methods=["POST"])
@login_required
def revoke_partnership_feed(partnership_id: int):
    """Stop my feed URL of this partnership's meetings from working."""
    partnership = load_partnership(partnership_id)
    return _revoke(partnership.id, url_for(".index", partnership_id=partnership.id))


@blueprint.route("/calendar")
@login_required
def my_calendar():
    """My meetings in every partnership, my open action items, and my feed URL."""
    now = utcnow()
    upcoming = [
        (m, tz)
        for m, tz in services.user_meetings(database.session, current_user.id, now)
        if m.ends_at >= now
    ]
    return render_template(
        "meetings/my_calendar.html",
        upcoming=upcoming,
        items=queries.my_open_action_items(database.session, current_user.id),
        feed=services.active_feed(database.session, current_user, None),
        today=now.date(),
    )


@blueprint.route("/calendar/subscribe", methods=["POST"])
@login_required
def subscribe():
    """A new private feed URL of all my meetings (an older one stops working)."""
    return _subscribe(None, url_for(".my_calendar"))


@blueprint.route("/calendar/revoke", methods=["POST"])
@login_required
def revoke():
    """Stop my feed URL from working."""
    return _revoke(None, url_for(".my_calendar"))


@blueprint.route("/calendar/<token>.ics")
def feed(token: str):
    """A subscription feed, opened by the secret token in its URL (calendar programs)."""
    found = services.feed_for_token(database.session, token) or abort(404)
    meetings = services.feed_meetings(database.session, found, utcnow())
    name = "PartnerHub meetings"
    if found.partnership_id is not None and meetings:
        name = f"{meetings[0][0].partnership.name} meetings"
    return _ics(calendar.user_feed(name, meetings), "partnerhub.ics", attachment=False)
