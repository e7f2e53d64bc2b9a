"""What meetings add to the partnership pages and the dashboard: tabs, a panel, a stage
check and attention items."""

from __future__ import annotations

from flask import (
    url_for,
)

from partnerhub.db import utcnow
from partnerhub.meetings import queries
from partnerhub.partnerships.models import Stage
from partnerhub.partnerships.registry import (
    Attention,
    Check,
    CheckResult,
    add_check,
    add_tab,
    attention_source,
    panel,
)

add_tab("Meetings", "meetings.index", 70, section="act", covers=("meetings.",))
add_tab(
    "Action items", "meetings.action_items", 72, section="act", covers=("meetings.update_action",)
)


@panel("meetings/_panel.html", 20)
def _overview_panel(session, partnership, today):
    """How often the partnership meets, the next meeting and the open action items, on the
    partnership overview."""
    shown, count = queries.open_action_items_preview(session, partnership.id, PANEL_ACTION_ITEMS)
    now = utcnow()
    return {
        "series": queries.active_series_of(session, partnership.id, now),
        "next_meeting": queries.next_meeting(session, partnership.id, now),
        "open_action_items": shown,
        "open_action_item_count": count,
        "today": today,
    }


PANEL_ACTION_ITEMS = 5


def _cadence_check(session, partnership, today) -> CheckResult:
    series = queries.active_series_of(session, partnership.id, utcnow())
    if series is None:
        return CheckResult(False, "No meeting series with meetings ahead.")
    return CheckResult(True, series.cadence)


# The cadence is the active series' schedule: one source, shown the same everywhere.
add_check(
    Check(
        Stage.PARTNER,
        "partner.cadence",
        "A regular meeting cadence set (monthly is typical)",
        compute=_cadence_check,
        order=40,
        help="Schedule the partner meeting as a series on the Meetings tab.",
    )
)


@attention_source
def _needs_attention(session, partnership_ids: list[int], today) -> list[Attention]:
    """Overdue action items (agencies missing meetings are flags, listed with the flags)."""
    return [
        Attention(
            partnership_id,
            f"{count} overdue action item{'s' if count != 1 else ''}",
            url_for("meetings.action_items", partnership_id=partnership_id),
            severity="danger",
        )
        for partnership_id, count in queries.overdue_action_items(
            session, partnership_ids, today
        ).items()
    ]
