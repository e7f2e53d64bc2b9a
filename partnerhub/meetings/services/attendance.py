"""Who is coming (answers to invitations) and who came (attendance taken at the meeting)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerhub.audit.services import record
from partnerhub.auth.models import User
from partnerhub.errors import InvalidTransition
from partnerhub.meetings import recurrence
from partnerhub.meetings.models import (
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingStatus,
)
from partnerhub.meetings.recurrence import to_local
from partnerhub.partnerships.models import Membership


def respond(
    session: Session, membership: Membership, meeting: Meeting, accepted: bool, now: datetime
) -> Attendance:
    """A member answers the invitation to a meeting themselves."""
    if meeting.status is not MeetingStatus.SCHEDULED or meeting.ends_at <= now:
        raise InvalidTransition("Only upcoming meetings can be answered.")
    attendance = session.scalar(
        select(Attendance).where(
            Attendance.meeting_id == meeting.id, Attendance.membership_id == membership.id
        )
    ) or Attendance(meeting_id=meeting.id, membership_id=membership.id)
    attendance.status = AttendanceStatus.ACCEPTED if accepted else AttendanceStatus.DECLINED
    attendance.responded_at = now
    session.add(attendance)
    session.flush()
    record(
        session,
        membership.user,
        "attendance.answered",
        attendance,
        f"{'Accepted' if accepted else 'Declined'} the invitation to {meeting.title}",
        now,
        partnership_id=meeting.partnership_id,
    )
    return attendance


def record_attendance(
    session: Session,
    actor: User,
    meeting: Meeting,
    members: list[Membership],
    attended_ids: set[int],
    timezone: str,
    now: datetime,
) -> None:
    """Record who of `members` attended; the others were absent. The meeting was held."""
    _require_attendance_day(meeting, timezone, now)
    existing = {a.membership_id: a for a in meeting.attendances}
    for membership in members:
        attendance = existing.get(membership.id)
        if attendance is None:
            attendance = Attendance(membership_id=membership.id)
            meeting.attendances.append(attendance)
        attendance.status = (
            AttendanceStatus.ATTENDED if membership.id in attended_ids else AttendanceStatus.ABSENT
        )
    meeting.status = MeetingStatus.HELD
    record(
        session,
        actor,
        "meeting.attendance",
        meeting,
        f"Recorded attendance of {meeting.title}: {len(attended_ids)} of {len(members)}",
        now,
        partnership_id=meeting.partnership_id,
    )


def mark_attendance(
    session: Session,
    actor: User,
    meeting: Meeting,
    membership: Membership,
    present: bool,
    timezone: str,
    now: datetime,
) -> Attendance:
    """Record one member as present or absent (a tap on their name); the meeting was held."""
    _require_attendance_day(meeting, timezone, now)
    attendance = next((a for a in meeting.attendances if a.membership_id == membership.id), None)
    if attendance is None:
        attendance = Attendance(membership_id=membership.id)
        meeting.attendances.append(attendance)
    attendance.status = AttendanceStatus.ATTENDED if present else AttendanceStatus.ABSENT
    meeting.status = MeetingStatus.HELD
    session.flush()
    record(
        session,
        actor,
        "meeting.attendance",
        meeting,
        f"Recorded {membership.user.name} as {'present' if present else 'absent'} "
        f"at {meeting.title}",
        now,
        partnership_id=meeting.partnership_id,
    )
    return attendance


def _require_attendance_day(meeting: Meeting, timezone: str, now: datetime) -> None:
    if meeting.is_cancelled:
        raise InvalidTransition("The meeting is cancelled.")
    zone = recurrence.ZoneInfo(timezone)
    if to_local(meeting.starts_at, zone).date() > to_local(now, zone).date():
        raise InvalidTransition("Attendance can be recorded from the day of the meeting.")
