"""Queueing email into the outbox, in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import render_template
from sqlalchemy import ScalarSelect, func, select, update
from sqlalchemy.orm import Session

from partnerhub.audit.services import record
from partnerhub.auth.models import User
from partnerhub.db import insert_ignoring_conflicts
from partnerhub.errors import InvalidTransition, NotFound
from partnerhub.notifications.mailer import Attachment, build_message
from partnerhub.notifications.models import OutboxMessage, OutboxStatus
from partnerhub.partnerships.models import Partnership
from partnerhub.partnerships.registry import fact
from partnerhub.text import one_line

SUBJECT_LENGTH = OutboxMessage.__table__.c.subject.type.length


def render_email(name: str, **context) -> tuple[str, str]:
    """Render the text and HTML twins `templates/email/<name>.txt` and `.html`."""
    return (
        render_template(f"email/{name}.txt", **context),
        render_template(f"email/{name}.html", **context),
    )


@dataclass(frozen=True)
class Content:
    """What a message says: subject, text and HTML bodies, calendar file, extra headers."""

    subject: str
    text: str
    html: str | None = None
    ics: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Subjects are made of stored names and titles: one line, and short enough to store.
        object.__setattr__(self, "subject", one_line(self.subject, SUBJECT_LENGTH))

    @classmethod
    def of(cls, message: OutboxMessage) -> Content:
        return cls(
            message.subject, message.text_body, message.html_body, message.ics, message.headers
        )

    def columns(self) -> dict:
        """The outbox columns that hold it."""
        return {
            "subject": self.subject,
            "text_body": self.text,
            "html_body": self.html,
            "ics": self.ics,
            "headers": self.headers,
        }


def pending_row(key: str, kind: str, recipient: str, now: datetime, **columns) -> dict:
    """The values of a new outbox row, waiting to be sent from `now`."""
    return {
        "idempotency_key": key,
        "kind": kind,
        "recipient": recipient,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
        **columns,
    }


def queue_unwritten(session: Session, *, key: str, kind: str, to: str, now: datetime) -> None:
    """Add a message that its kind's registered writer writes when it is about to be sent."""
    session.execute(
        insert_ignoring_conflicts(session, OutboxMessage, ["idempotency_key"]).values(
            **pending_row(key, kind, to, now)
        )
    )


def queue_email(
    session: Session,
    *,
    key: str,
    kind: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    now: datetime,
    user_id: int | None = None,
    partnership_id: int | None = None,
    about: str | None = None,
    ics: str | None = None,
    headers: dict[str, str] | None = None,
) -> OutboxMessage:
    """Add a message to the outbox unless one with the same idempotency key exists (see
    `queue_content`)."""
    return queue_content(
        session,
        Content(subject, text, html, ics, headers or {}),
        key=key,
        kind=kind,
        to=to,
        now=now,
        user_id=user_id,
        partnership_id=partnership_id,
        about=about,
    )


def queue_content(
    session: Session,
    content: Content,
    *,
    key: str,
    kind: str,
    to: str,
    now: datetime,
    user_id: int | None = None,
    partnership_id: int | None = None,
    about: str | None = None,
) -> OutboxMessage:
    """Add `content` to the outbox for `to` unless a message with the same idempotency key
    exists.

    Safe when two sweeps queue the same key at once: the database keeps the first row and the
    second insert does nothing (on PostgreSQL it waits for the first transaction to finish).
    """
    row = pending_row(
        key,
        kind,
        to,
        now,
        user_id=user_id,
        partnership_id=partnership_id,
        about=about,
        **content.columns(),
    )
    new_id = session.execute(
        insert_ignoring_conflicts(session, OutboxMessage, ["idempotency_key"])
        .values(**row)
        .returning(OutboxMessage.id)
    ).scalar_one_or_none()
    if new_id is not None:
        return session.get_one(OutboxMessage, new_id)
    return session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()


def withdraw_pending(session: Session, about: str) -> int:
    """Cancel the messages about `about` ("meeting:12") not yet sent; returns how many."""
    return session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.about == about, OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    ).rowcount


def as_email(message: OutboxMessage, sender: str, content: Content | None = None):
    """The EmailMessage for an outbox row, with its fixed Message-ID; `content` is what it
    says when the delivery worker has just written it."""
    content = content or Content.of(message)
    attachments = ()
    if content.ics:
        attachments = (
            Attachment(
                "meeting.ics",
                content.ics.encode(),
                "text",
                "calendar",
                {"method": calendar_method(content.ics)},
            ),
        )
    return build_message(
        sender=sender,
        to=message.recipient,
        subject=content.subject,
        text=content.text,
        html=content.html,
        message_id=message.message_id,
        headers=content.headers or {},
        attachments=attachments,
    )


def calendar_method(ics: str) -> str:
    """The METHOD of a calendar file (PUBLISH, REQUEST, CANCEL), which its MIME type repeats
    so mail programs offer to update or remove the event."""
    for line in ics.splitlines():
        if line.startswith("METHOD:"):
            return line.removeprefix("METHOD:").strip()
        if line.startswith("BEGIN:V") and line != "BEGIN:VCALENDAR":
            break
    return "PUBLISH"


# --- looking after the outbox: admins retry and cancel, facilitators see what failed -------

# The outbox page's filters: what an admin asks for -> the statuses it covers.
OUTBOX_FILTERS = {
    "pending": (OutboxStatus.PENDING, OutboxStatus.SENDING),
    "failed": (OutboxStatus.FAILED,),
    "sent": (OutboxStatus.SENT,),
    "cancelled": (OutboxStatus.CANCELLED, OutboxStatus.SKIPPED),
}


def outbox_listing(session: Session, filter_name: str, limit: int = 200) -> list[OutboxMessage]:
    """The newest messages under one of the outbox page's filters."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status.in_(OUTBOX_FILTERS[filter_name]))
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
    )


def outbox_counts(session: Session) -> dict[str, int]:
    """How many messages each filter of the outbox page holds."""
    by_status = dict(
        session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    return {
        name: sum(by_status.get(status, 0) for status in statuses)
        for name, statuses in OUTBOX_FILTERS.items()
    }


def failed_mail(session: Session, partnership_id: int, limit: int = 200) -> list[OutboxMessage]:
    """A partnership's messages the mail server refused for good, newest first."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.partnership_id == partnership_id,
                OutboxMessage.status == OutboxStatus.FAILED,
            )
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
    )


@fact("failed_mail")
def failed_mail_count() -> ScalarSelect:
    """How many emails to the partnership's members failed (read with its other facts)."""
    return (
        select(func.count(OutboxMessage.id))
        .where(
            OutboxMessage.partnership_id == Partnership.id,
            OutboxMessage.status == OutboxStatus.FAILED,
        )
        .scalar_subquery()
    )


def _message(session: Session, message_id: int) -> OutboxMessage:
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound("There is no such message in the outbox.")
    return message


def retry_message(session: Session, actor: User, message_id: int, now: datetime) -> OutboxMessage:
    """Send a failed or cancelled message again, at the next delivery run."""
    message = _message(session, message_id)
    if message.status not in (OutboxStatus.FAILED, OutboxStatus.CANCELLED):
        raise InvalidTransition("Only failed or cancelled messages can be sent again.")
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now
    record(
        session, actor, "outbox.retry", message, f"Queued “{message.subject}” again", now,
        partnership_id=message.partnership_id,
    )  # fmt: skip
    return message


def cancel_message(session: Session, actor: User, message_id: int, now: datetime) -> OutboxMessage:
    """Withdraw a message that is still waiting to be sent."""
    message = _message(session, message_id)
    if message.status != OutboxStatus.PENDING:
        raise InvalidTransition("Only a message still waiting to be sent can be cancelled.")
    message.status = OutboxStatus.CANCELLED
    record(
        session, actor, "outbox.cancel", message, f"Cancelled “{message.subject}”", now,
        partnership_id=message.partnership_id,
    )  # fmt: skip
    return message
