"""Meetings' pages: series and occurrences, agendas, minutes, attendance, action items, calendars.

One blueprint, its routes in a module per part of the page tree: `schedule` (the
partnership's meetings, scheduling), `meeting` (one meeting), `agenda`, `minutes`,
`attendance`, `action_items`, `meeting_mode` (running a meeting from one page), `feeds`
(calendar files and feeds); `overview` adds the tabs, panel, stage check and dashboard
items; `common` holds what they share.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint

blueprint = Blueprint(
    "meetings",
    __name__,
    static_folder=Path(__file__).resolve().parent.parent / "static",
    static_url_path="/meetings-assets",
)

PARTNERSHIP = "/partnerships/<int:partnership_id>"
MEETING = PARTNERSHIP + "/meetings/<int:meeting_id>"
ITEM = MEETING + "/agenda/<int:item_id>"

# The routes, one module per part of the page tree; importing them registers them.
from partnerhub.meetings.views import (  # noqa: E402
    action_items,
    agenda,
    attendance,
    feeds,
    meeting,
    meeting_mode,
    minutes,
    overview,
    schedule,
)

__all__ = [
    "action_items",
    "agenda",
    "attendance",
    "blueprint",
    "feeds",
    "meeting",
    "meeting_mode",
    "minutes",
    "overview",
    "schedule",
]
