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
    ATTENTION,
    OVERDUE,
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
    """The next meeting and the open action items, on the partnership overview."""
    shown, count = queries.open_action_items_preview(session, partnership.id, PANEL_ACTION_ITEMS)
    return {
        "next_meeting": queries.next_meeting(session, partnership.id, utcnow()),
        "open_action_items": shown,
        "open_action_item_count": count,
        "today": today,
    }


PANEL_ACTION_ITEMS = 5


def _regular_series_check(session, partnership, today) -> CheckResult:
    if queries.has_regular_series(session, partnership.id, utcnow()):
        return CheckResult(True, "Meetings are scheduled ahead.")
    return CheckResult(False, "No series with meetings ahead.")


# Recommended, not required: the cadence the partnership agreed is the required item.
add_check(
    Check(
        Stage.PARTNER,
        "meetings.regular_series",
        "A regular meeting series is scheduled",
        required=False,
        compute=_regular_series_check,
        order=41,
        help="Schedule the monthly partner meeting as a series on the Meetings tab.",
    )
)


@attention_source
def _needs_attention(session, partnership_ids: list[int], today) -> list[Attention]:
    """Overdue action items; agencies that missed the last meetings."""
    found = [
        Attention(
            partnership_id,
            f"{count} overdue action item{'s' if count != 1 else ''}",
            url_for("meetings.action_items", partnership_id=partnership_id),
            severity=OVERDUE,
        )
        for partnership_id, count in queries.overdue_action_items(
            session, partnership_ids, today
        ).items()
    ]
    for partnership_id, agencies in queries.agencies_missing_meetings(
        session, partnership_ids
    ).items():
        found.extend(
            Attention(
                partnership_id,
                f"{agency.organization.name} missed the last {queries.MISSED_IN_A_ROW} meetings",
                url_for("meetings.attendance_report", partnership_id=partnership_id),
                severity=ATTENTION,  # no date is coming up: it is not "due soon"
            )
            for agency in agencies
        )
    return found
