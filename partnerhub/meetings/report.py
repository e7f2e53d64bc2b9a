"""The meetings' sections of the annual report: meetings held against those planned,
attendance by agency with its trend, and action items."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from partnerhub.meetings.models import (
    ActionItem,
    ActionItemStatus,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingStatus,
)
from partnerhub.meetings.queries import agencies_present, with_owner_names
from partnerhub.partnerships.models import Organization, PartnerAgency, Partnership
from partnerhub.report.registry import Figures, Period, Table, percent, report_section


@report_section("meetings", "Meetings held and planned", order=10)
def meetings_held(session: Session, partnership: Partnership, period: Period) -> Figures:
    """Every meeting on the calendar in the period, and what became of it."""
    attended = (
        select(func.count(Attendance.id))
        .where(Attendance.meeting_id == Meeting.id, Attendance.status == AttendanceStatus.ATTENDED)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Meeting.starts_at, Meeting.title, Meeting.status, attended)
        .where(
            Meeting.partnership_id == partnership.id,
            Meeting.starts_at >= period.start_at,
            Meeting.starts_at < period.end_at,
        )
        .order_by(Meeting.starts_at)
    ).all()
    counts = defaultdict(int)
    for row in rows:
        counts[row.status] += 1
    planned = len(rows)
    held, cancelled = counts[MeetingStatus.HELD], counts[MeetingStatus.CANCELLED]
    return Figures(
        summary=[
            ("Planned", planned),
            ("Held", f"{held} ({percent(held, planned)})"),
            ("Cancelled", cancelled),
            ("Not recorded as held", counts[MeetingStatus.SCHEDULED]),
        ],
        tables=[
            Table(
                "meetings",
                "Meetings",
                ("Date", "Meeting", "Status", "People present"),
                [
                    (
                        period.local_date(row.starts_at).isoformat(),
                        row.title,
                        row.status.label,
                        row[3] if row.status is MeetingStatus.HELD else "",
                    )
                    for row in rows
                ],
            )
        ],
        note="Planned counts every meeting on the calendar in the period, cancelled ones too.",
    )


@report_section("attendance", "Attendance by agency", order=20)
def attendance_by_agency(session: Session, partnership: Partnership, period: Period) -> Figures:
    """Of the held meetings while an agency was at the table, those one of its people attended,
    per quarter; the trend compares the second half of the period with the first."""
    held = session.execute(
        select(Meeting.id, Meeting.starts_at).where(
            Meeting.partnership_id == partnership.id,
            Meeting.status == MeetingStatus.HELD,
            Meeting.starts_at >= period.start_at,
            Meeting.starts_at < period.end_at,
        )
    ).all()
    agencies = session.execute(
        select(PartnerAgency.id, Organization.name, PartnerAgency.joined_on, PartnerAgency.left_on)
        .join(Organization, Organization.id == PartnerAgency.organization_id)
        .where(
            PartnerAgency.partnership_id == partnership.id,
            PartnerAgency.joined_on < period.end,
            or_(PartnerAgency.left_on.is_(None), PartnerAgency.left_on > period.start),
        )
        .order_by(func.lower(Organization.name))
    ).all()
    present = agencies_present(session, [m.id for m in held])
    meetings = [(m.id, period.local_date(m.starts_at)) for m in held]

    rows, all_present, all_expected = [], 0, 0
    for agency in agencies:
        expected = [
            (meeting_id, day)
            for meeting_id, day in meetings
            if agency.joined_on <= day and (agency.left_on is None or day < agency.left_on)
        ]
        by_quarter = [[0, 0] for _ in range(4)]
        for meeting_id, day in expected:
            quarter = by_quarter[period.quarter_of(day)]
            quarter[1] += 1
            quarter[0] += meeting_id in present.get(agency.id, set())
        came = sum(q[0] for q in by_quarter)
        all_present, all_expected = all_present + came, all_expected + len(expected)
        rows.append(
            (
                agency.name,
                *(f"{q[0]}/{q[1]}" if q[1] else "—" for q in by_quarter),
                f"{came}/{len(expected)} ({percent(came, len(expected))})",
                trend(by_quarter),
            )
        )
    return Figures(
        summary=[
            ("Held meetings", len(held)),
            ("Agencies present", f"{percent(all_present, all_expected)}"),
        ],
        tables=[
            Table(
                "attendance",
                "Agencies present at held meetings",
                ("Agency", *(label for label, _, _ in period.quarters), "Year", "Trend"),
                rows,
                empty="No agency was at the table in this period.",
            )
        ],
        note="An agency counts as present when at least one of its people attended; only "
        "meetings held while it was at the table count.",
    )


def trend(by_quarter: list[list[int]]) -> str:
    """The second half's rate against the first half's, in percentage points."""
    first = [sum(q[i] for q in by_quarter[:2]) for i in (0, 1)]
    second = [sum(q[i] for q in by_quarter[2:]) for i in (0, 1)]
    if not first[1] or not second[1]:
        return "—"
    points = round(100 * second[0] / second[1] - 100 * first[0] / first[1])
    if points == 0:
        return "steady"
    return f"{'up' if points > 0 else 'down'} {abs(points)} points"


@report_section("action_items", "Action items", order=50)
def action_items(session: Session, partnership: Partnership, period: Period) -> Figures:
    """Action items opened and done in the period, and those still open at its end."""
    listed = select(
        ActionItem.title,
        ActionItem.status,
        ActionItem.due_on,
        ActionItem.created_at,
        ActionItem.completed_at,
        ActionItem.updated_at,
    )
    items = session.execute(
        with_owner_names(listed)
        .where(ActionItem.partnership_id == partnership.id, ActionItem.created_at < period.end_at)
        .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)
    ).all()
    opened = [i for i in items if i.created_at >= period.start_at]
    done = [
        i
        for i in items
        if i.status is ActionItemStatus.DONE
        and i.completed_at is not None
        and period.holds(period.local_date(i.completed_at))
    ]
    still_open = [i for i in items if _open_at(i, period)]
    overdue = [i for i in still_open if i.due_on is not None and i.due_on < period.end]
    return Figures(
        summary=[
            ("Opened", len(opened)),
            ("Done", len(done)),
            ("Open at the end", len(still_open)),
            ("Of those, past due", len(overdue)),
        ],
        tables=[
            Table(
                "open_action_items",
                "Open at the end of the period",
                ("Action item", "Owner", "Agency", "Due", "Past due"),
                [
                    (i.title, i.owner or "", i.agency or "", _day(i.due_on), _yes(i in overdue))
                    for i in still_open
                ],
            ),
            Table(
                "done_action_items",
                "Done in the period",
                ("Action item", "Owner", "Agency", "Due", "Done on"),
                [
                    (
                        i.title,
                        i.owner or "",
                        i.agency or "",
                        _day(i.due_on),
                        period.local_date(i.completed_at).isoformat(),
                    )
                    for i in done
                ],
            ),
        ],
    )


def _open_at(item, period: Period) -> bool:
    """Open at the period's end: not done or dropped before it (a dropped item's last change
    is when it was dropped)."""
    if item.status is ActionItemStatus.OPEN:
        return True
    closed_at = item.completed_at if item.status is ActionItemStatus.DONE else item.updated_at
    return closed_at is None or closed_at >= period.end_at


def _day(day: date | None) -> str:
    return day.isoformat() if day else ""


def _yes(flag: bool) -> str:
    return "yes" if flag else ""
