"""Meetings: recurring series and their occurrences, agendas, minutes, attendance, action
items and calendar feeds."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, time
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from partnerhub.auth.models import User
from partnerhub.db import Base, Timestamped, enum_type, utcnow
from partnerhub.meetings import recurrence
from partnerhub.partnerships.models import Membership, PartnerAgency, Partnership

if TYPE_CHECKING:  # the modules an agenda item links to, mapped by name
    from partnerhub.agreements.models import Agreement
    from partnerhub.procedures.models import Procedure

# Seven days and one day before the start, in minutes.
DEFAULT_REMINDER_OFFSETS = [10080, 1440]


def _default_reminder_offsets() -> list[int]:
    return list(DEFAULT_REMINDER_OFFSETS)


def new_uid() -> str:
    """A calendar UID that stays with a meeting for its whole life."""
    return f"{uuid.uuid4().hex}@partnerhub"


class Labelled(enum.Enum):
    """An enum whose values read as words."""

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class MeetingStatus(Labelled):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    HELD = "held"


class AgendaItemKind(enum.Enum):
    PROCEDURE_REVIEW = "procedure_review"
    AGREEMENT_REVIEW = "agreement_review"
    SHARING_ISSUE = "sharing_issue"
    REPORT = "report"
    OTHER = "other"

    @property
    def label(self) -> str:
        return AGENDA_KIND_LABELS[self]


AGENDA_KIND_LABELS = {
    AgendaItemKind.PROCEDURE_REVIEW: "Procedure review",
    AgendaItemKind.AGREEMENT_REVIEW: "Agreement review",
    AgendaItemKind.SHARING_ISSUE: "Information-sharing issue",
    AgendaItemKind.REPORT: "Report",
    AgendaItemKind.OTHER: "Other",
}


class AgendaItemStatus(Labelled):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"


class MinutesStatus(Labelled):
    DRAFT = "draft"
    FINAL = "final"


class AttendanceStatus(Labelled):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ATTENDED = "attended"
    ABSENT = "absent"


class ActionItemStatus(Labelled):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class MeetingSeries(Timestamped, Base):
    """A recurring meeting: an RFC 5545 rule computed in the partnership's local wall time."""

    __tablename__ = "meeting_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    # The RRULE value without DTSTART; UNTIL, when present, is a local date-time.
    rrule: Mapped[str] = mapped_column(sa.String(500))
    starts_on: Mapped[date]
    start_time: Mapped[time]
    duration_minutes: Mapped[int]
    timezone: Mapped[str] = mapped_column(sa.String(64))
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    video_url: Mapped[str] = mapped_column(sa.String(500), default="")
    reminder_offsets: Mapped[list] = mapped_column(sa.JSON, default=_default_reminder_offsets)
    agenda_template: Mapped[list] = mapped_column(sa.JSON, default=list)
    # Notes on the schedule ("No meeting in July"); how often it meets is read from the rule.
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # Occurrences up to this instant exist as Meeting rows.
    materialized_until: Mapped[datetime | None]
    # The series this one continues after a "this and later occurrences" edit.
    continues_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting_series.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    meetings: Mapped[list[Meeting]] = relationship(back_populates="series", lazy="raise")

    @property
    def cadence(self) -> str:
        """How often and when it meets, in words read from its rule."""
        return recurrence.cadence(self.rrule, self.start_time, self.duration_minutes, self.timezone)


class Meeting(Timestamped, Base):
    """One meeting: an occurrence of a series (or a one-off), movable and cancellable alone."""

    __tablename__ = "meetings"
    __table_args__ = (
        sa.UniqueConstraint("series_id", "original_starts_at"),
        sa.Index("ix_meetings_partnership_starts_at", "partnership_id", "starts_at"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partnerships.id", ondelete="CASCADE")
    )
    series_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting_series.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # The occurrence's slot in its series (RECURRENCE-ID); equals starts_at for one-offs.
    original_starts_at: Mapped[datetime]
    status: Mapped[MeetingStatus] = mapped_column(
        enum_type(MeetingStatus, "meeting_status"), default=MeetingStatus.SCHEDULED
    )
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    video_url: Mapped[str] = mapped_column(sa.String(500), default="")
    reminder_offsets: Mapped[list | None] = mapped_column(sa.JSON)
    # Where a meeting moved alone was before it moved, once a change of its series has given
    # it a new slot (original_starts_at); None while its slot is where it was.
    moved_from: Mapped[datetime | None]
    # Edited on its own: later edits of the series leave it alone.
    is_modified: Mapped[bool] = mapped_column(default=False)
    # RFC 5545 SEQUENCE: bumped on every change a calendar client must see.
    sequence: Mapped[int] = mapped_column(default=0)
    uid: Mapped[str] = mapped_column(sa.String(255), unique=True, default=new_uid)

    partnership: Mapped[Partnership] = relationship(lazy="select")
    series: Mapped[MeetingSeries | None] = relationship(back_populates="meetings", lazy="joined")
    # Pages load these with selectinload (their query counts are tested); services may
    # load them on first use.
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting",
        lazy="select",
        cascade="all, delete-orphan",
        order_by="AgendaItem.position",
    )
    attendances: Mapped[list[Attendance]] = relationship(
        back_populates="meeting", lazy="select", cascade="all, delete-orphan"
    )
    minutes: Mapped[Minutes | None] = relationship(
        back_populates="meeting", lazy="select", cascade="all, delete-orphan"
    )
    # The last earlier meeting not cancelled, read with the meeting when a query asks for it
    # (the meeting page links to it); None otherwise.
    previous_id: Mapped[int | None] = query_expression()
    previous_starts_at: Mapped[datetime | None] = query_expression()

    @property
    def effective_reminder_offsets(self) -> list[int]:
        """The meeting's own offsets, else its series' default, else 7 days and 1 day."""
        if self.reminder_offsets is not None:
            return list(self.reminder_offsets)
        if self.series is not None and self.series.reminder_offsets is not None:
            return list(self.series.reminder_offsets)
        return list(DEFAULT_REMINDER_OFFSETS)

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def is_cancelled(self) -> bool:
        return self.status is MeetingStatus.CANCELLED

    @property
    def was_at(self) -> datetime:
        """The start the meeting was scheduled at, before it was moved alone."""
        return self.moved_from or self.original_starts_at

    @property
    def is_moved(self) -> bool:
        return self.starts_at != self.was_at


class AgendaItem(Base):
    """One item of a meeting's agenda, with the notes and decision the minutes record."""

    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    presenter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL")
    )
    minutes: Mapped[int] = mapped_column(default=10)
    kind: Mapped[AgendaItemKind] = mapped_column(
        enum_type(AgendaItemKind, "agenda_item_kind"), default=AgendaItemKind.OTHER
    )
    status: Mapped[AgendaItemStatus] = mapped_column(
        enum_type(AgendaItemStatus, "agenda_item_status"), default=AgendaItemStatus.ACCEPTED
    )
    proposed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL")
    )
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    decision: Mapped[str] = mapped_column(sa.Text, default="")
    # Discussed to the end; unfinished items can be carried to the next meeting.
    is_finished: Mapped[bool] = mapped_column(default=False)
    carried_from_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="SET NULL")
    )
    # The item's clock in meeting mode: started, and ended when the next item began.
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    # Bumped on every save of the notes: a save made from an older version is refused, so
    # two people writing the same item's notes never silently erase each other.
    notes_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # What a procedure review or agreement review item is about.
    procedure_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("procedures.id", ondelete="SET NULL"), index=True
    )
    agreement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agreements.id", ondelete="SET NULL"), index=True
    )
    # The information-sharing question discussed; carried forward while it is open.
    question_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="SET NULL"), index=True
    )

    # Many-to-one by primary key: found in the session's identity map, usually without a query.
    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items", lazy="select")
    procedure: Mapped[Procedure | None] = relationship(lazy="raise")
    agreement: Mapped[Agreement | None] = relationship(lazy="raise")
    presenter: Mapped[Membership | None] = relationship(foreign_keys=[presenter_id], lazy="raise")
    proposed_by: Mapped[Membership | None] = relationship(
        foreign_keys=[proposed_by_id], lazy="raise"
    )

    @property
    def is_proposed(self) -> bool:
        return self.status is AgendaItemStatus.PROPOSED

    @property
    def is_running(self) -> bool:
        return self.started_at is not None and self.ended_at is None

    def elapsed_seconds(self, now: datetime) -> int:
        """How long the item has run (so far, if it is running); 0 before it starts."""
        if self.started_at is None:
            return 0
        return max(0, int(((self.ended_at or now) - self.started_at).total_seconds()))


class Minutes(Base):
    """A meeting's minutes: a draft until a facilitator finalizes (and so locks) them."""

    __tablename__ = "minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[MinutesStatus] = mapped_column(
        enum_type(MinutesStatus, "minutes_status"), default=MinutesStatus.DRAFT
    )
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    finalized_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    finalized_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship(back_populates="minutes", lazy="raise")
    finalized_by: Mapped[User | None] = relationship(lazy="raise")
    revisions: Mapped[list[MinutesRevision]] = relationship(
        back_populates="minutes",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="MinutesRevision.version",
    )

    @property
    def is_final(self) -> bool:
        return self.status is MinutesStatus.FINAL


class MinutesRevision(Base):
    """A finalized version of the minutes, kept when they are reopened: who, when, what."""

    __tablename__ = "minutes_revisions"
    __table_args__ = (sa.UniqueConstraint("minutes_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(sa.ForeignKey("minutes.id", ondelete="CASCADE"))
    version: Mapped[int]
    # The summary and every item's notes and decision as they were finalized.
    content: Mapped[dict] = mapped_column(sa.JSON)
    finalized_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    finalized_at: Mapped[datetime | None]
    reopened_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    reopened_at: Mapped[datetime] = mapped_column(default=utcnow)
    reopen_reason: Mapped[str] = mapped_column(sa.Text, default="")

    minutes: Mapped[Minutes] = relationship(back_populates="revisions", lazy="raise")
    finalized_by: Mapped[User | None] = relationship(foreign_keys=[finalized_by_id], lazy="joined")
    reopened_by: Mapped[User | None] = relationship(foreign_keys=[reopened_by_id], lazy="joined")


class Attendance(Base):
    """One member's answer to a meeting invitation, and whether they came."""

    __tablename__ = "attendances"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "membership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"))
    membership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[AttendanceStatus] = mapped_column(
        enum_type(AttendanceStatus, "attendance_status"), default=AttendanceStatus.INVITED
    )
    responded_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship(back_populates="attendances", lazy="raise")
    membership: Mapped[Membership] = relationship(lazy="raise")


class ActionItem(Timestamped, Base):
    """Something a member or agency agreed to do, by a date."""

    __tablename__ = "action_items"
    __table_args__ = (sa.Index("ix_action_items_partnership_status", "partnership_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partnerships.id", ondelete="CASCADE")
    )
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(300))
    owner_membership_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL"), index=True
    )
    owner_agency_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partner_agencies.id", ondelete="SET NULL")
    )
    due_on: Mapped[date | None]
    status: Mapped[ActionItemStatus] = mapped_column(
        enum_type(ActionItemStatus, "action_item_status"), default=ActionItemStatus.OPEN
    )
    completed_at: Mapped[datetime | None]

    meeting: Mapped[Meeting | None] = relationship(lazy="raise")
    owner_membership: Mapped[Membership | None] = relationship(lazy="raise")
    owner_agency: Mapped[PartnerAgency | None] = relationship(lazy="raise")

    @property
    def is_open(self) -> bool:
        return self.status is ActionItemStatus.OPEN

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_on is not None and self.due_on < today


class CalendarFeed(Base):
    """A private subscription URL: a user's meetings everywhere, or one partnership's.

    Every feed belongs to a user; a partnership feed also names the partnership and works only
    while its owner is an active member. Only the token's hash is stored.
    """

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    partnership_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partnerships.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class MeetingReminder(Base):
    """A sweep's record that a meeting's reminder at one offset was queued or skipped.

    Unique per (meeting, start, offset): whichever sweep inserts it queues the emails, so two
    sweeps at once never both do; a moved meeting has a new start and so new records.
    """

    __tablename__ = "meeting_reminders"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "starts_at", "offset_minutes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    offset_minutes: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(16))  # "queued" or "skipped"
    recorded_at: Mapped[datetime]


# The sweep looks at scheduled meetings starting in a short window around now.
sa.Index("ix_meetings_status_starts_at", Meeting.status, Meeting.starts_at)
