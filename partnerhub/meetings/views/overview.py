"""What meetings add to the partnership pages and the dashboard: tabs, a panel, a stage
check and attention items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import (
    url_for,
)

from partnerhub import permissions
from partnerhub.db import utcnow
from partnerhub.meetings import queries
from partnerhub.meetings.models import ActionItem, AttendanceStatus, Meeting
from partnerhub.partnerships.models import Membership, Partnership, Stage
from partnerhub.partnerships.registry import (
    OVERDUE,
    Attention,
    Check,
    CheckResult,
    Viewer,
    add_check,
    add_tab,
    attention_source,
    my_work,
    panel,
)
from partnerhub.partnerships.services import local_today

add_tab("Meetings", "meetings.index", 70, section="act", covers=("meetings.",))
add_tab(
    "Action items", "meetings.action_items", 72, section="act", covers=("meetings.update_action",)
)


@panel("meetings/_panel.html", 20)
def _overview_panel(session, partnership, today):
    """How often the partnership meets, the next meeting and the open action items, on the
    partnership overview."""
    shown, count = queries.open_action_items_preview(session, partnership.id, PANEL_ACTION_ITEMS)
    next_meeting, series = queries.next_meeting_and_series(session, partnership.id, utcnow())
    return {
        "series": series,
        "next_meeting": next_meeting,
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
            severity=OVERDUE,
        )
        for partnership_id, count in queries.overdue_action_items(
            session, partnership_ids, today
        ).items()
    ]


# --- the dashboard and the "waiting for me" page --------------------------------------------

DASHBOARD_MEETINGS = 8


@dataclass(frozen=True)
class MyMeeting:
    """A meeting ahead in one of my partnerships, with my answer to it."""

    meeting: Meeting
    partnership: Partnership
    membership: Membership
    answer: AttendanceStatus | None

    @property
    def may_answer(self) -> bool:
        return permissions.can(self.membership, permissions.CONTRIBUTE)

    @property
    def unanswered(self) -> bool:
        return self.may_answer and self.answer in (None, AttendanceStatus.INVITED)


@my_work(
    "meetings",
    "Upcoming meetings",
    "meetings/_my_meetings.html",
    10,
    waiting=lambda mine: mine.unanswered,
    waiting_heading="Meetings to answer",
)
def my_meetings(session, viewer: Viewer) -> list[MyMeeting]:
    """The next meetings across my partnerships, with my answer and a form to give it."""
    found = queries.upcoming_across(
        session,
        [m.id for m in viewer.memberships.values()],
        viewer.partnership_ids,
        viewer.now,
        DASHBOARD_MEETINGS,
    )
    return [
        MyMeeting(
            meeting,
            viewer.partnerships[meeting.partnership_id],
            viewer.memberships[meeting.partnership_id],
            answer,
        )
        for meeting, answer in found
    ]


@dataclass(frozen=True)
class MyActionItem:
    item: ActionItem
    partnership: Partnership
    today: date  # in the partnership's time zone

    @property
    def overdue(self) -> bool:
        return self.item.is_overdue(self.today)


@my_work("action_items", "Your action items", "meetings/_my_action_items.html", 20)
def my_action_items(session, viewer: Viewer) -> list[MyActionItem]:
    """The open action items I own, soonest due first."""
    items = queries.open_action_items_of(session, [m.id for m in viewer.memberships.values()])
    return [
        MyActionItem(
            item,
            viewer.partnerships[item.partnership_id],
            local_today(viewer.partnerships[item.partnership_id], viewer.now),
        )
        for item in items
    ]
