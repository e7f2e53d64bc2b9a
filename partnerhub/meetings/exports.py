"""The meetings' records as spreadsheets: attendance (meeting by person) and action items."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from partnerhub.auth.models import User
from partnerhub.meetings.models import ActionItem, Attendance, Meeting
from partnerhub.partnerships.models import Membership, Organization, PartnerAgency, Partnership
from partnerhub.spreadsheets import csv_text


def attendance_csv(session: Session, partnership: Partnership) -> str:
    """Every recorded answer or attendance, a row per meeting and person, oldest first."""
    rows = session.execute(
        select(
            Meeting.starts_at,
            Meeting.title,
            Meeting.status,
            User.name,
            Organization.name,
            Attendance.status,
        )
        .join(Attendance, Attendance.meeting_id == Meeting.id)
        .join(Membership, Membership.id == Attendance.membership_id)
        .join(User, User.id == Membership.user_id)
        .outerjoin(PartnerAgency, PartnerAgency.id == Membership.partner_agency_id)
        .outerjoin(Organization, Organization.id == PartnerAgency.organization_id)
        .where(Meeting.partnership_id == partnership.id)
        .order_by(Meeting.starts_at, Meeting.id, func.lower(User.name))
    ).all()
    zone = ZoneInfo(partnership.timezone)
    return csv_text(
        ("Date", "Time", "Meeting", "Meeting status", "Person", "Agency", "Attendance"),
        (
            (
                starts_at.astimezone(zone).date().isoformat(),
                starts_at.astimezone(zone).strftime("%H:%M"),
                title,
                meeting_status.label,
                person,
                agency or "",
                answer.label,
            )
            for starts_at, title, meeting_status, person, agency, answer in rows
        ),
    )


def action_items_csv(session: Session, partnership: Partnership) -> str:
    """Every action item with its owner, agency, due date and status, by due date."""
    owner, owner_user = aliased(Membership), aliased(User)
    rows = session.execute(
        select(
            ActionItem.title,
            owner_user.name,
            Organization.name,
            ActionItem.due_on,
            ActionItem.status,
            ActionItem.completed_at,
            Meeting.title,
            Meeting.starts_at,
        )
        .outerjoin(owner, owner.id == ActionItem.owner_membership_id)
        .outerjoin(owner_user, owner_user.id == owner.user_id)
        .outerjoin(PartnerAgency, PartnerAgency.id == ActionItem.owner_agency_id)
        .outerjoin(Organization, Organization.id == PartnerAgency.organization_id)
        .outerjoin(Meeting, Meeting.id == ActionItem.meeting_id)
        .where(ActionItem.partnership_id == partnership.id)
        .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)
    ).all()
    zone = ZoneInfo(partnership.timezone)

    def day(moment):
        return moment.astimezone(zone).date().isoformat() if moment else ""

    return csv_text(
        ("Action item", "Owner", "Agency", "Due", "Status", "Done on", "From meeting"),
        (
            (
                title,
                person or "",
                agency or "",
                due.isoformat() if due else "",
                status.label,
                day(done),
                f"{meeting} ({day(meeting_at)})" if meeting else "",
            )
            for title, person, agency, due, status, done, meeting, meeting_at in rows
        ),
    )
