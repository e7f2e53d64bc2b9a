"""Queueing email into the outbox, in the caller's transaction, and delivering it."""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerhub.notifications.mailer import Attachment, build_message, transport_for
from partnerhub.notifications.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)


def render_email(name: str, **context) -> tuple[str, str]:
    """Render the text and HTML twins `templates/email/<name>.txt` and `.html`."""
    return (
        render_template(f"email/{name}.txt", **context),
        render_template(f"email/{name}.html", **context),
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
    """Add a message to the outbox unless one with the same idempotency key exists."""
    existing = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
    if existing is not None:
        return existing
    message = OutboxMessage(
        idempotency_key=key,
        kind=kind,
        recipient=to,
        subject=subject,
        text_body=text,
        html_body=html,
        ics=ics,
        headers=headers or {},
        user_id=user_id,
        partnership_id=partnership_id,
        about=about,
        message_id=f"<{kind}.{abs(hash(key)) % 10**12}.{int(now.timestamp())}@partnerhub>",
        created_at=now,
        next_attempt_at=now,
    )
    session.add(message)
    session.flush()
    return message


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


def deliver(session: Session, message_ids: list[int], mail_url: str, sender: str, now: datetime):
    """Send the given pending messages now (the web's fast path; the worker sweeps the rest)."""
    transport = transport_for(mail_url)
    try:
        for message in session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.id.in_(message_ids), OutboxMessage.status == OutboxStatus.PENDING
            )
        ):
            message.attempts += 1
            try:
                transport.send(as_email(message, sender))
            except (smtplib.SMTPException, OSError) as error:
                message.last_error = str(error)
                log.warning("outbox message %s not sent yet: %s", message.id, error)
                continue
            message.status = OutboxStatus.SENT
            message.sent_at = now
    finally:
        transport.close()
    session.commit()
