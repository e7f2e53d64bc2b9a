"""Calendar files of one meeting, and private calendar feeds to subscribe to."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from flask import (
    Response,
    abort,
    current_app,
    render_template,
    request,
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


@blueprint.context_processor
def add_to_calendar():
    """The meeting page's 'add to Google / Outlook.com' links."""

    def links(meeting) -> dict[str, str]:
        page = _meeting_page(meeting)
        return {
            "Google Calendar": calendar.google_calendar_link(meeting, page),
            "Outlook.com": calendar.outlook_link(meeting, page),
        }

    return {"add_to_calendar": links}


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
        feed_since=services.feed_since(database.session, current_user, None),
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
    """A subscription feed, opened by the secret token in its URL (calendar programs).

    Programs fetch feeds every hour or so, mostly unchanged: a cheap query tells whether any
    meeting in the feed changed. If not, a program that sent the feed's ETag (or its
    Last-Modified date) gets 304, and anyone else the bytes built the first time.
    """
    found = services.feed_for_token(database.session, token) or abort(404)
    now = utcnow()
    months = current_app.config["CALENDAR_HISTORY_MONTHS"]
    version = services.feed_version(database.session, found, now, months)
    tag = _feed_etag(found.id, found.token_hash, months, *version)
    modified = (version.changed or found.created_at).replace(microsecond=0)
    if _unchanged_for(request, tag, modified):
        response = Response(status=304)
    else:
        key = (found.id, tag, request.host_url)
        body = _built_feeds.get(key)
        if body is None:
            body = _feed_body(found, now, months)
            _built_feeds.put(key, body)
        response = _ics(body, "partnerhub.ics", attachment=False)
    response.set_etag(tag)
    response.last_modified = modified
    # Programs may keep it, but must ask whether it changed before showing it again.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _feed_body(found, now, months: int) -> bytes:
    meetings = services.feed_meetings(database.session, found, now, months)
    name = "PartnerHub meetings"
    if found.partnership_id is not None and meetings:
        name = f"{meetings[0][0].partnership.name} meetings"
    return calendar.user_feed(name, meetings, _meeting_page)


def _meeting_page(meeting) -> str:
    return external_url(".meeting", partnership_id=meeting.partnership_id, meeting_id=meeting.id)


def _feed_etag(*version) -> str:
    return hashlib.sha256(repr(version).encode()).hexdigest()[:32]


def _unchanged_for(asked, tag: str, modified) -> bool:
    """The program already has this version: its ETag, or (when it sent none) a copy at
    least as recent as the last change."""
    if asked.if_none_match:
        return asked.if_none_match.contains(tag)
    since = asked.if_modified_since
    return since is not None and since >= modified


class BuiltFeeds:
    """The latest bytes of recently fetched feeds, by feed and version, in this process: a
    feed is built once per change however often it is fetched. Bounded: the least recently
    fetched feed is dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
            return self._entries.get(key)

    def put(self, key: tuple, body: bytes) -> None:
        with self._lock:
            # An older version of the same feed is of no further use.
            for stale in [k for k in self._entries if k[0] == key[0]]:
                del self._entries[stale]
            self._entries[key] = body
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


_built_feeds = BuiltFeeds(size=256)
