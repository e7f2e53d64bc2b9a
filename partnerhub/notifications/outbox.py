"""Queueing email into the outbox, in the caller's transaction."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import render_template
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from partnerhub.audit.services import record
from partnerhub.auth.models import User
from partnerhub.errors import InvalidTransition, NotFound
from partnerhub.notifications.mailer import Attachment, build_message
from partnerhub.notifications.models import OutboxMessage, OutboxStatus


def render_email(name: str, **context) -> tuple[str, str]:
    """Render the text and HTML twins `templates/email/<name>.txt` and `.html`."""
    return (
        render_template(f"email/{name}.txt", **context),
        render_template(f"email/{name}.html", **context),
    )


def message_id_for(key: str, kind: str) -> str:
    """The Message-ID of the message with idempotency key `key`: the same in every process."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"<{kind}.{digest}@partnerhub>"


def _insert_ignoring_duplicates(session: Session, values: dict) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING; the new row's id, or None when the key exists."""
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    statement = (
        insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(OutboxMessage.id)
    )
    return session.execute(statement).scalar_one_or_none()


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
    """Add a message to the outbox unless one with the same idempotency key exists.

    Safe when two sweeps queue the same key at once: the database keeps the first row and the
    second insert does nothing (on PostgreSQL it waits for the first transaction to finish).
    """
    new_id = _insert_ignoring_duplicates(
        session,
        {
            "idempotency_key": key,
            "kind": kind,
            "recipient": to,
            "subject": subject,
            "text_body": text,
            "html_body": html,
            "ics": ics,
            "headers": headers or {},
            "user_id": user_id,
            "partnership_id": partnership_id,
            "about": about,
            "message_id": message_id_for(key, kind),
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
        },
    )
    if new_id is not None:
        return session.get_one(OutboxMessage, new_id)
    return session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()


def as_email(message: OutboxMessage, sender: str):
    """The EmailMessage for an outbox row, with its fixed Message-ID."""
    attachments = ()
    if message.ics:
        attachments = (
            Attachment(
                "meeting.ics", message.ics.encode(), "text", "calendar", {"method": "PUBLISH"}
            ),
        )
    return build_message(
        sender=sender,
        to=message.recipient,
        subject=message.subject,
        text=message.text_body,
        html=message.html_body,
        message_id=message.message_id,
        headers=message.headers,
        attachments=attachments,
    )


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


def failed_mail_count(session: Session, partnership_id: int) -> int:
    return session.scalar(
        select(func.count()).where(
            OutboxMessage.partnership_id == partnership_id,
            OutboxMessage.status == OutboxStatus.FAILED,
        )
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
