"""Every email the product sends, as an outbox row written with the change that caused it."""

from __future__ import annotations

import enum
import hashlib
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnerhub.auth.models import User
from partnerhub.db import Base, enum_type, utcnow


class OutboxStatus(enum.Enum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


class OutboxMessage(Base):
    """One email. The idempotency key is unique, so a message can never be queued twice.

    Most messages are written whole when queued. Meeting reminders are queued in bulk by the
    sweep with only their recipient and `reminder`, and written (subject, bodies, calendar
    file, headers) by the delivery worker just before they are sent; either way the row holds
    what was sent.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.Index("ix_outbox_messages_status_next_attempt", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    partnership_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # What the message is about ("meeting:12", "agreement:3"): pending reminders for a meeting
    # that was cancelled or moved are found, and cancelled, through it.
    about: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    # The meeting reminder this message is one recipient's copy of.
    reminder_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting_reminders.id", ondelete="CASCADE"), index=True
    )
    recipient: Mapped[str] = mapped_column(sa.String(254))
    # Subject and text body are None until the message is written (see above).
    subject: Mapped[str | None] = mapped_column(sa.String(255))
    text_body: Mapped[str | None] = mapped_column(sa.Text)
    html_body: Mapped[str | None] = mapped_column(sa.Text)
    ics: Mapped[str | None] = mapped_column(sa.Text)
    headers: Mapped[dict | None] = mapped_column(sa.JSON, default=dict)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_type(OutboxStatus, "status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # While `sending`, the worker that claimed the message holds it until then; a worker that
    # was killed mid-batch lets its lease expire and another worker reclaims the message.
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]

    @property
    def message_id(self) -> str:
        """The Message-ID header: the same in every process, derived from the key alone."""
        digest = hashlib.sha256(self.idempotency_key.encode()).hexdigest()[:40]
        return f"<{self.kind}.{digest}@partnerhub>"

    @property
    def is_written(self) -> bool:
        return self.text_body is not None

    @property
    def title(self) -> str:
        """The subject, or what the message is while it waits to be written."""
        if self.subject is not None:
            return self.subject
        return f"{self.kind.replace('_', ' ').capitalize()} (written when sent)"


# --- reminders: what each user wants, and the flags raised on a partnership -------------------


class ReminderKind(enum.Enum):
    """The kinds of reminder a user can opt out of; each is also an outbox message kind."""

    MEETING_REMINDER = "meeting_reminder"
    MEETING_CHANGE = "meeting_change"
    AGREEMENT_RENEWAL = "agreement_renewal"
    PROCEDURE_REVIEW = "procedure_review"
    ACTION_ITEM_OVERDUE = "action_item_overdue"
    SIGN_OFF_REQUEST = "sign_off_request"
    TRAINING_LAPSE = "training_lapse"
    DAILY_DIGEST = "daily_digest"
    FINAL_MINUTES = "final_minutes"
    AGENCY_ABSENCE = "agency_absence"

    @property
    def label(self) -> str:
        return REMINDER_LABELS[self]

    @property
    def wanted_by_default(self) -> bool:
        """Every kind is sent unless turned off, but the digest, which is asked for."""
        return self is not ReminderKind.DAILY_DIGEST


REMINDER_LABELS = {
    ReminderKind.MEETING_REMINDER: "Meeting reminders (before each meeting)",
    ReminderKind.MEETING_CHANGE: "Calendar updates when a meeting I was sent moves or is cancelled",
    ReminderKind.AGREEMENT_RENEWAL: "Agreement renewal and annual review notices",
    ReminderKind.PROCEDURE_REVIEW: "Procedure review due",
    ReminderKind.ACTION_ITEM_OVERDUE: "My overdue action items",
    ReminderKind.SIGN_OFF_REQUEST: "Procedure versions my agency is asked to sign off",
    ReminderKind.TRAINING_LAPSE: "Training lapsing in my agency (liaisons and facilitators)",
    ReminderKind.DAILY_DIGEST: "Daily digest at 7:00: open flags and the week's meetings",
    ReminderKind.FINAL_MINUTES: "Minutes of a meeting, when they are final",
    ReminderKind.AGENCY_ABSENCE: "An agency I represent or facilitate missing meetings in a row",
}


class NotificationPreference(Base):
    """A user's choice for one kind of reminder; no row means the kind's default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[ReminderKind] = mapped_column(enum_type(ReminderKind, "reminder_kind"))
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class FlagKind(enum.Enum):
    AGREEMENT_RENEWAL = "agreement_renewal"
    AGREEMENT_REVIEW = "agreement_review"
    PROCEDURE_REVIEW = "procedure_review"
    ACTION_ITEM_OVERDUE = "action_item_overdue"
    TRAINING_LAPSE = "training_lapse"
    TRAINING_GAP = "training_gap"
    AGENCY_ABSENCE = "agency_absence"
    QUESTION_OPEN_LONG = "question_open_long"

    @property
    def label(self) -> str:
        return {
            FlagKind.AGREEMENT_RENEWAL: "Agreement renewal",
            FlagKind.AGREEMENT_REVIEW: "Agreement annual review",
            FlagKind.PROCEDURE_REVIEW: "Procedure review",
            FlagKind.ACTION_ITEM_OVERDUE: "Overdue action item",
            FlagKind.TRAINING_LAPSE: "Training lapse",
            FlagKind.TRAINING_GAP: "Training missing",
            FlagKind.AGENCY_ABSENCE: "Agency missing meetings",
            FlagKind.QUESTION_OPEN_LONG: "Question open over 30 days",
        }[self]


class Flag(Base):
    """Something due or overdue on a partnership, shown until resolved or acknowledged.

    One flag per (kind, subject, due date): a procedure reviewed and due again later gets a
    new flag for its new date; `threshold` is the latest threshold the sweep has passed.
    """

    __tablename__ = "flags"
    __table_args__ = (
        sa.UniqueConstraint("kind", "subject", "due_on"),
        sa.Index("ix_flags_partnership_open", "partnership_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[FlagKind] = mapped_column(enum_type(FlagKind, "flag_kind"))
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partnerships.id", ondelete="CASCADE")
    )
    # What is flagged: "agreement:3", "procedure:7", "action_item:12".
    subject: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(300))
    due_on: Mapped[date]
    raised_on: Mapped[date]
    threshold: Mapped[str] = mapped_column(sa.String(32))
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    acknowledgement_note: Mapped[str] = mapped_column(sa.Text, default="")
    resolved_at: Mapped[datetime | None]

    acknowledged_by: Mapped[User | None] = relationship(lazy="joined")

    @property
    def is_open(self) -> bool:
        """Shown as needing attention: neither resolved nor acknowledged."""
        return self.resolved_at is None and self.acknowledged_at is None
