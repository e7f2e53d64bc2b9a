"""Queueing email into the outbox, in the caller's transaction."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import render_template
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

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
