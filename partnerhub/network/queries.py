"""One row per partnership, each figure computed in SQL for all partnerships at once: the
number of queries does not grow with the number of partnerships."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from partnerhub.agreements.models import Agreement
from partnerhub.meetings import queries as meetings
from partnerhub.meetings.models import Attendance, AttendanceStatus, Meeting, MeetingStatus
from partnerhub.notifications.models import Flag, FlagKind
from partnerhub.partnerships.models import Partnership, Stage
from partnerhub.procedures.models import Procedure

EXPIRY_WINDOW_DAYS = 90
ATTENDANCE_WINDOW_DAYS = 365


@dataclass(frozen=True)
class NetworkRow:
    id: int
    name: str
    community: str
    stage: Stage
    timezone: str
    next_meeting: datetime | None
    cadence: str | None  # how often it meets, read from its active series
    attendance_rate: float | None  # attended of those expected, held meetings of the last year
    agreements_expiring: int  # within EXPIRY_WINDOW_DAYS
    reviews_overdue: int
    training_lapses: int  # people whose training has lapsed or lapses within 60 days
    open_flags: int


def network(session: Session, now: datetime, today: date) -> list[NetworkRow]:
    """Every partnership with its figures, by name."""
    partnerships = session.execute(
        sa.select(
            Partnership.id,
            Partnership.name,
            Partnership.community,
            Partnership.stage,
            Partnership.timezone,
        ).order_by(Partnership.name)
    ).all()
    next_meeting = _by_partnership(
        session,
        sa.select(Meeting.partnership_id, sa.func.min(Meeting.starts_at)).where(
            Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at >= now
        ),
        Meeting.partnership_id,
    )
    series = meetings.active_series(session, [row.id for row in partnerships], now)
    attendance = _attendance(session, now)
    expiring = _by_partnership(
        session,
        sa.select(Agreement.partnership_id, sa.func.count()).where(
            Agreement.terminated_on.is_(None),
            Agreement.expires_on.between(today, today + timedelta(days=EXPIRY_WINDOW_DAYS)),
        ),
        Agreement.partnership_id,
    )
    overdue = _by_partnership(
        session,
        sa.select(Procedure.partnership_id, sa.func.count()).where(
            Procedure.retired_at.is_(None), Procedure.next_review_on < today
        ),
        Procedure.partnership_id,
    )
    flags = _by_partnership(
        session,
        sa.select(Flag.partnership_id, sa.func.count()).where(
            Flag.resolved_at.is_(None), Flag.acknowledged_at.is_(None)
        ),
        Flag.partnership_id,
    )
    # The sweep keeps one open flag per person whose training lapses soon or has lapsed.
    lapses = _by_partnership(
        session,
        sa.select(Flag.partnership_id, sa.func.count()).where(
            Flag.kind == FlagKind.TRAINING_LAPSE, Flag.resolved_at.is_(None)
        ),
        Flag.partnership_id,
    )
    return [
        NetworkRow(
            id=row.id,
            name=row.name,
            community=row.community,
            stage=row.stage,
            timezone=row.timezone,
            next_meeting=next_meeting.get(row.id),
            cadence=series[row.id].cadence if row.id in series else None,
            attendance_rate=attendance.get(row.id),
            agreements_expiring=expiring.get(row.id, 0),
            reviews_overdue=overdue.get(row.id, 0),
            training_lapses=lapses.get(row.id, 0),
            open_flags=flags.get(row.id, 0),
        )
        for row in partnerships
    ]


def _by_partnership(session: Session, query, partnership_id) -> dict[int, object]:
    return dict(session.execute(query.group_by(partnership_id)).all())


def _attendance(session: Session, now: datetime) -> dict[int, float]:
    """partnership id -> share of expected people who attended its held meetings of the year."""
    attended = sa.func.sum(sa.case((Attendance.status == AttendanceStatus.ATTENDED, 1), else_=0))
    recorded = sa.func.count()
    rows = session.execute(
        sa.select(Meeting.partnership_id, attended, recorded)
        .join(Attendance, Attendance.meeting_id == Meeting.id)
        .where(
            Meeting.status == MeetingStatus.HELD,
            Meeting.starts_at >= now - timedelta(days=ATTENDANCE_WINDOW_DAYS),
            Attendance.status.in_([AttendanceStatus.ATTENDED, AttendanceStatus.ABSENT]),
        )
        .group_by(Meeting.partnership_id)
    ).all()
    return {pid: present / total for pid, present, total in rows if total}
