"""Delivering the outbox over SMTP: claim due messages, send each, record what the server said.

A claim marks messages `sending` with a lease and commits before anything is sent, so two
workers never send the same message; a worker killed mid-batch leaves its claims to expire and
another worker takes them again (the only duplicates are messages the server had accepted just
before the kill). Outcomes are committed a few at a time as the server answers.
"""

from __future__ import annotations

import logging
import random
import smtplib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from partnerhub.notifications.mailer import FileTransport, SMTPTransport
from partnerhub.notifications.models import OutboxMessage, OutboxStatus
from partnerhub.notifications.outbox import Content, as_email
from partnerhub.notifications.registry import writer_for

log = logging.getLogger(__name__)

# Errors about the server or the way to it rather than one message: the rest of the batch is
# deferred with the message at hand. (smtplib's errors are OSErrors too, so the replies about
# one message are caught before these.)
UNREACHABLE_SMTP = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
)


@dataclass(frozen=True)
class DeliveryPolicy:
    """How much to claim, for how long, and how to retry."""

    batch_size: int = 100
    lease: timedelta = timedelta(minutes=5)
    first_retry: timedelta = timedelta(minutes=1)
    longest_retry: timedelta = timedelta(hours=6)
    max_attempts: int = 8

    @classmethod
    def from_config(cls, config) -> DeliveryPolicy:
        return cls(
            batch_size=config["OUTBOX_BATCH_SIZE"],
            lease=timedelta(seconds=config["OUTBOX_LEASE_SECONDS"]),
            first_retry=timedelta(seconds=config["OUTBOX_RETRY_SECONDS"]),
            max_attempts=config["OUTBOX_MAX_ATTEMPTS"],
        )

    def retry_delay(self, attempts: int) -> timedelta:
        """Exponential backoff with equal jitter, so deferred messages do not return in step."""
        delay = min(self.first_retry * 2 ** max(attempts - 1, 0), self.longest_retry)
        return delay / 2 + delay / 2 * random.random()


@dataclass
class DeliveryReport:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    # Meeting reminders not sent because the meeting changed or started since they were queued.
    withdrawn: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.deferred + self.failed + self.withdrawn

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.deferred += other.deferred
        self.failed += other.failed
        self.withdrawn += other.withdrawn


def is_due(now: datetime):
    """Pending and due, or claimed by a worker whose lease ran out."""
    return or_(
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_until <= now),
    )


def claim(
    session: Session, now: datetime, policy: DeliveryPolicy, only: list[int] | None = None
) -> list[int]:
    """Mark up to a batch of due messages `sending` under a lease, commit, and return their ids.

    With `only`, just those messages are claimed (mail that is sent at once).

    PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED first, so concurrent claimers skip each other's
    rows (folded into the UPDATE as a subquery, the locking SELECT may run more than once and
    claim more rows than its LIMIT). SQLite: one UPDATE, run under the database's write lock.
    """
    due = (
        select(OutboxMessage.id)
        .where(is_due(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(policy.batch_size)
    )
    if only is not None:
        due = due.where(OutboxMessage.id.in_(only))
    if session.get_bind().dialect.name == "postgresql":
        batch = OutboxMessage.id.in_(session.scalars(due.with_for_update(skip_locked=True)).all())
    else:
        batch = OutboxMessage.id.in_(due.scalar_subquery())
    ids = session.scalars(
        update(OutboxMessage)
        .where(batch, is_due(now))
        .values(
            status=OutboxStatus.SENDING,
            claimed_until=now + policy.lease,
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    session.commit()
    return sorted(ids)


def deliver_batch(
    session: Session,
    transport: SMTPTransport | FileTransport,
    sender: str,
    now: datetime,
    policy: DeliveryPolicy,
    only: list[int] | None = None,
) -> DeliveryReport:
    """Claim one batch and send it over one connection; the transport is closed afterwards."""
    ids = claim(session, now, policy, only)
    if not ids:
        return DeliveryReport()
    messages = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .order_by(OutboxMessage.id)
        .execution_options(populate_existing=True)
    ).all()
    written = write_unwritten(session, messages, now)
    session.commit()  # end the read, so the next claim does not write from a stale snapshot
    outcomes = Outcomes(session.get_bind(), written)
    try:
        for index, message in enumerate(messages):
            content = written.get(message.id)
            if isinstance(content, OutboxStatus):
                outcomes.record(message, status=content)
                continue
            try:
                refused = transport.send(as_email(message, sender, content))
            except UNREACHABLE_SMTP as error:
                _defer_all(outcomes, messages[index:], error, now, policy)
                break
            except smtplib.SMTPRecipientsRefused as error:
                _answer(outcomes, message, error.recipients, now, policy)
            except smtplib.SMTPResponseException as error:
                _answer(outcomes, message, {message.recipient: _reply(error)}, now, policy)
            except OSError as error:  # refused connection, timeout, TLS failure
                _defer_all(outcomes, messages[index:], error, now, policy)
                break
            else:
                if refused:
                    _answer(outcomes, message, refused, now, policy, partial=True)
                else:
                    log.info("outbox message %s sent (%s)", message.id, message.message_id)
                    outcomes.record(message, status=OutboxStatus.SENT, sent_at=now)
    finally:
        transport.close()
        outcomes.close()
    return outcomes.report


def write_unwritten(
    session: Session, messages: list[OutboxMessage], now: datetime
) -> dict[int, Content | OutboxStatus]:
    """Write the messages queued without their content (meeting reminders), as they are about
    to be sent, each kind by the writer its domain registered; those that should no longer be
    sent get a status instead."""
    unwritten = defaultdict(list)
    for message in messages:
        if not message.is_written:
            unwritten[message.kind].append(message)
    written = {}
    for kind, of_kind in unwritten.items():
        written.update(writer_for(kind)(session, of_kind, now))
    return written


def deliver_due(
    session: Session,
    transport: SMTPTransport | FileTransport,
    sender: str,
    clock,
    policy: DeliveryPolicy,
    max_batches: int = 50,
) -> DeliveryReport:
    """Deliver batch after batch until nothing is due (or `max_batches` ran); `clock()` is now."""
    total = DeliveryReport()
    for _ in range(max_batches):
        report = deliver_batch(session, transport, sender, clock(), policy)
        total.add(report)
        if report.handled < policy.batch_size:
            break
    return total


def _reply(error: smtplib.SMTPResponseException) -> tuple[int, bytes | str]:
    return error.smtp_code, error.smtp_error


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return _format_reply(_reply(error))
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _format_reply(reply: tuple[int, bytes | str]) -> str:
    code, text = reply
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


def _answer(outcomes, message, refusals: dict, now, policy, *, partial=False) -> None:
    """Record the server's refusal: 5xx is final, anything else is tried again later."""
    error = "; ".join(f"{rcpt}: {_format_reply(reply)}" for rcpt, reply in refusals.items())
    if partial:
        error = f"Some recipients were refused: {error}"
    if any(code >= 500 for code, _ in refusals.values()):
        log.warning("outbox message %s failed: %s", message.id, error)
        outcomes.record(message, status=OutboxStatus.FAILED, last_error=error)
    else:
        _defer(outcomes, message, error, now, policy)


def _defer_all(outcomes, messages, error: Exception, now, policy) -> None:
    for message in messages:
        _defer(outcomes, message, _describe(error), now, policy)


def _defer(outcomes, message, error: str, now, policy) -> None:
    """Put the message back to wait for its next attempt, or give it up after the last one."""
    if message.attempts >= policy.max_attempts:
        log.warning("outbox message %s given up after %s attempts", message.id, message.attempts)
        error = f"Gave up after {message.attempts} attempts. Last reply: {error}"
        outcomes.record(message, status=OutboxStatus.FAILED, last_error=error)
        return
    retry_at = now + policy.retry_delay(message.attempts)
    log.info("outbox message %s deferred until %s: %s", message.id, retry_at, error)
    outcomes.record(
        message, status=OutboxStatus.PENDING, next_attempt_at=retry_at, last_error=error
    )


OUTCOME_FIELDS = {
    OutboxStatus.SENT: "sent",
    OutboxStatus.PENDING: "deferred",
    OutboxStatus.FAILED: "failed",
    OutboxStatus.CANCELLED: "withdrawn",
    OutboxStatus.SKIPPED: "withdrawn",
}


class Outcomes:
    """Records outcomes a few at a time, each group in one commit on a session of its own.

    A commit per message would cost a round trip and a disk flush each; a thread committing
    them alongside would contend with sending for the interpreter. A worker killed with
    outcomes not yet committed sends those messages again once their lease ends: only
    messages the server had accepted are repeated, at most `GROUP` of them.
    """

    GROUP = 20

    def __init__(self, bind, written: dict[int, Content | OutboxStatus]) -> None:
        self.report = DeliveryReport()
        # Content written for this batch is stored with the outcome: the row keeps what was sent.
        self._columns = {
            message_id: content.columns()
            for message_id, content in written.items()
            if isinstance(content, Content)
        }
        self._session = Session(bind)
        self._pending: list[tuple[int, dict]] = []

    def record(self, message: OutboxMessage, **values) -> None:
        values = {**self._columns.get(message.id, {}), **values}
        self._pending.append((message.id, values))
        if len(self._pending) >= self.GROUP:
            self.flush()

    def flush(self) -> None:
        items, self._pending = self._pending, []
        if items:
            self._commit(self._session, items)

    def close(self) -> None:
        """Commit the outcomes still pending."""
        try:
            self.flush()
        finally:
            self._session.close()

    def _commit(self, session: Session, items: list[tuple[int, dict]]) -> None:
        """Some outcomes in one commit, one statement per kind of outcome, leaving alone the
        messages taken from this worker meanwhile (their lease ran out)."""
        groups = defaultdict(list)
        for message_id, values in items:
            names = tuple(sorted(values))
            groups[values["status"], names].append(
                {"message": message_id, **{f"new_{n}": v for n, v in values.items()}}
            )
        table = OutboxMessage.__table__
        for (status, names), rows in groups.items():
            statement = (
                update(table)
                .where(table.c.id == bindparam("message"), table.c.status == OutboxStatus.SENDING)
                .values(claimed_until=None, **{n: bindparam(f"new_{n}") for n in names})
            )
            changed = session.connection().execute(statement, rows).rowcount
            field = OUTCOME_FIELDS[status]
            setattr(self.report, field, getattr(self.report, field) + changed)
        session.commit()
