"""Delivering the outbox over SMTP: claim due messages, send each, record what the server said.

A claim marks messages `sending` with a lease and commits before anything is sent, so two
workers never send the same message. Each outcome is committed as soon as the server has
answered, before the next message goes out, so a killed worker repeats at most the one
message the server had just accepted; its other claims are taken up by another worker when
the lease runs out. The lease is short (a minute by default) and the sending worker renews it
as it goes, so a long batch keeps its claim while a crashed worker's claims come back soon.
Every claim counts as an attempt: a message whose worker dies each time is given up after the
last one, like a message the server keeps deferring.

Whatever goes wrong with one message (it cannot be written, built or sent) puts that message
back with the reason, or fails it after its last attempt, and the batch goes on; only errors
about the server or the way to it put back the rest of the batch.
"""

from __future__ import annotations

import logging
import random
import smtplib
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, and_, bindparam, case, cast, func, literal, or_, select, update
from sqlalchemy.exc import DataError, SQLAlchemyError
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
    lease: timedelta = timedelta(minutes=1)
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


def claim(session: Session, now: datetime, policy: DeliveryPolicy) -> list[int]:
    """Mark up to a batch of due messages `sending` under a lease, commit, and return their ids.

    Each claim is an attempt, a claim taken again after its lease too; a message that has had
    its last attempt is not claimed (`give_up_exhausted` fails it).

    PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED first, so concurrent claimers skip each other's
    rows (folded into the UPDATE as a subquery, the locking SELECT may run more than once and
    claim more rows than its LIMIT). SQLite: one UPDATE, run under the database's write lock.
    """
    claimable = and_(is_due(now), OutboxMessage.attempts < policy.max_attempts)
    due = (
        select(OutboxMessage.id)
        .where(claimable)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(policy.batch_size)
    )
    if session.get_bind().dialect.name == "postgresql":
        batch = OutboxMessage.id.in_(session.scalars(due.with_for_update(skip_locked=True)).all())
    else:
        batch = OutboxMessage.id.in_(due.scalar_subquery())
    ids = session.scalars(
        update(OutboxMessage)
        .where(batch, claimable)
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


def give_up_exhausted(session: Session, now: datetime, policy: DeliveryPolicy) -> int:
    """Fail the due messages that have had their last attempt, rather than claim them again:
    those whose worker stopped while sending them (the lease ran out), and those left pending
    when the limit was lowered. Returns how many; the caller commits."""
    exhausted = and_(is_due(now), OutboxMessage.attempts >= policy.max_attempts)
    last = case(
        (
            OutboxMessage.status == OutboxStatus.SENDING,
            literal("the last one never finished (the worker sending it stopped)."),
        ),
        else_=literal("last error: ") + func.coalesce(OutboxMessage.last_error, "none"),
    )
    ids = session.scalars(
        update(OutboxMessage)
        .where(exhausted)
        .values(
            status=OutboxStatus.FAILED,
            claimed_until=None,
            last_error=literal("Gave up after ")
            + cast(OutboxMessage.attempts, String)
            + literal(" attempts; ")
            + last,
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    for message_id in ids:
        log.warning("outbox message %s given up: it had its last attempt", message_id)
    return len(ids)


def deliver_batch(
    session: Session,
    transport: SMTPTransport | FileTransport,
    sender: str,
    now: datetime,
    policy: DeliveryPolicy,
) -> DeliveryReport:
    """Claim one batch and send it over one connection; the transport is closed afterwards."""
    report = DeliveryReport(failed=give_up_exhausted(session, now, policy))
    ids = claim(session, now, policy)
    if not ids:
        return report
    messages = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .order_by(OutboxMessage.id)
        .execution_options(populate_existing=True)
    ).all()
    lease = Lease(ids, now + policy.lease, policy.lease)
    written = write_unwritten(session, messages, now)
    session.commit()  # end the read, so the next claim does not write from a stale snapshot
    outcomes = Outcomes(session.get_bind(), written, report, lease)
    try:
        for index, message in enumerate(messages):
            content = written.get(message.id)
            server_fault = _deliver_one(transport, sender, message, content, outcomes, now, policy)
            if server_fault:
                _defer_all(outcomes, messages[index:], server_fault, now, policy)
                break
    finally:
        transport.close()
        outcomes.close()
    return report


class Unsendable(Exception):
    """This message, not the server, is why it could not be sent."""


@dataclass(frozen=True)
class Unwritten:
    """Why a message queued unwritten could not be written."""

    reason: str


def _deliver_one(transport, sender, message, content, outcomes, now, policy) -> str | None:
    """Send one message and record the outcome; or, when the server cannot be reached, say
    why and record nothing (this message and the rest of the batch wait for another try)."""
    if isinstance(content, OutboxStatus):
        outcomes.record(message, status=content)
        return None
    if isinstance(content, Unwritten):
        _defer(outcomes, message, content.reason, now, policy)
        return None
    try:
        refused = _send(transport, sender, message, content)
    except Unsendable as error:
        log.warning("outbox message %s: %s", message.id, error)
        _defer(outcomes, message, str(error), now, policy)
    except UNREACHABLE_SMTP as error:
        return _describe(error)
    except smtplib.SMTPRecipientsRefused as error:
        _answer(outcomes, message, error.recipients, now, policy)
    except smtplib.SMTPResponseException as error:
        _answer(outcomes, message, {message.recipient: _reply(error)}, now, policy)
    except OSError as error:  # refused connection, timeout, TLS failure
        return _describe(error)
    else:
        if refused:
            _answer(outcomes, message, refused, now, policy, partial=True)
        else:
            log.info("outbox message %s sent (%s)", message.id, message.message_id)
            outcomes.record(message, status=OutboxStatus.SENT, sent_at=now)
    return None


def _send(transport, sender: str, message: OutboxMessage, content: Content | None) -> dict:
    """Build and send one message; what goes wrong because of the message is Unsendable."""
    try:
        email = as_email(message, sender, content)
    except Exception as error:
        raise Unsendable(f"Could not build this message: {_describe(error)}") from error
    try:
        return transport.send(email)
    except smtplib.SMTPNotSupportedError as error:
        if "SMTPUTF8" not in str(error):  # the server lacks AUTH or STARTTLS: not the message
            raise
        raise Unsendable(f"The mail server cannot take this address: {error}") from error
    except OSError:
        raise
    except Exception as error:
        transport.close()  # the server may be part-way through this message: start afresh
        raise Unsendable(f"Could not send this message: {_describe(error)}") from error


def write_unwritten(
    session: Session, messages: list[OutboxMessage], now: datetime
) -> dict[int, Content | OutboxStatus | Unwritten]:
    """Write the messages queued without their content (meeting reminders), as they are about
    to be sent, each kind by the writer its domain registered; those that should no longer be
    sent get a status instead, and those that cannot be written the reason."""
    unwritten = defaultdict(list)
    for message in messages:
        if not message.is_written:
            unwritten[message.kind].append(message)
    written = {}
    for of_kind in unwritten.values():
        written.update(_write_apart(session, of_kind, now))
    return written


def _write(session: Session, messages: list[OutboxMessage], now: datetime) -> dict:
    """Write unwritten messages of one kind together (each meeting's reminder is rendered
    once); a kind with no writer is this message's fault, not the batch's."""
    return writer_for(messages[0].kind)(session, messages, now)


def _write_apart(session: Session, messages: list[OutboxMessage], now: datetime) -> dict:
    """Write the messages together; when that fails, meeting by meeting and then one by one,
    so what cannot be written holds back only itself."""
    try:
        return _write(session, messages, now)
    except Exception as error:
        if isinstance(error, SQLAlchemyError):
            session.rollback()
        if len(messages) == 1:
            reason = f"Could not write this message: {_describe(error)}"
            log.warning("outbox message %s: %s", messages[0].id, reason)
            log.debug("outbox message %s could not be written", messages[0].id, exc_info=True)
            return {messages[0].id: Unwritten(reason)}
    groups: dict[int | None, list[OutboxMessage]] = {}
    for message in messages:
        groups.setdefault(message.reminder_id, []).append(message)
    parts = list(groups.values()) if len(groups) > 1 else [[message] for message in messages]
    written = {}
    for part in parts:
        written.update(_write_apart(session, part, now))
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


def _defer_all(outcomes, messages, error: str, now, policy) -> None:
    for message in messages:
        _defer(outcomes, message, error, now, policy)


def _defer(outcomes, message, error: str, now, policy) -> None:
    """Put the message back to wait for its next attempt, or give it up after the last one."""
    if message.attempts >= policy.max_attempts:
        log.warning("outbox message %s given up after %s attempts", message.id, message.attempts)
        error = f"Gave up after {message.attempts} attempts. Last error: {error}"
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


class Lease:
    """A batch's claim, renewed while the batch is sent: once a third of the lease has passed
    since the last renewal, the batch's unsent messages are held for a whole lease more. Only
    the claim this worker made is renewed (another worker may have taken the messages after
    a stall), and a worker that dies stops renewing: its claims come back within a lease."""

    def __init__(self, ids: list[int], until: datetime, length: timedelta) -> None:
        self.ids = ids
        self.held_until = until
        self._first_until = until
        self._every = length.total_seconds() / 3
        # The batch's `now` stands still while it is sent: time is told from the claim on.
        self._claimed_at = self._renewed_at = time.monotonic()

    def renew_if_due(self, connection) -> None:
        if time.monotonic() - self._renewed_at < self._every:
            return
        self._renewed_at = time.monotonic()
        until = self._first_until + timedelta(seconds=self._renewed_at - self._claimed_at)
        table = OutboxMessage.__table__
        connection.execute(
            update(table)
            .where(
                table.c.id.in_(self.ids),
                table.c.status == OutboxStatus.SENDING,
                table.c.claimed_until == self.held_until,
            )
            .values(claimed_until=until)
        )
        self.held_until = until


class Outcomes:
    """Records each outcome as soon as it is known, in a commit of its own, on a connection
    of its own whose commits do not wait for the disk.

    A commit per outcome is what bounds the repeats: a worker killed between the server's
    reply and that commit sends the one message again once its lease ends; everything before
    it is recorded. A commit that waits for the disk costs a flush per message (5-8 ms on an
    ordinary disk, as much as sending a message; well under a millisecond without). The
    fault to survive is a worker process dying, not the machine, and a commit that has not
    reached the disk yet survives the process that made it:
    - PostgreSQL, `synchronous_commit = off`: the commit is in the server's WAL buffers and
      reaches the disk within `wal_writer_delay` (200 ms). Only a crash of the database
      server can lose that last moment of outcomes (those messages are sent again); it
      never leaves the database inconsistent.
    - SQLite in WAL mode, `synchronous = NORMAL`: the commit is in the WAL file at once (in
      the operating system's cache), flushed to the disk at checkpoints; only a power cut or
      a crash of the operating system can lose it, and the database stays consistent.
    """

    def __init__(self, bind, written: dict, report: DeliveryReport, lease: Lease) -> None:
        self.report = report
        self._lease = lease
        # Content written for this batch is stored with the outcome: the row keeps what was sent.
        self._columns = {
            message_id: _storable(content.columns())
            for message_id, content in written.items()
            if isinstance(content, Content)
        }
        self._statements: dict[tuple[str, ...], object] = {}
        self._connection = bind.connect().execution_options(isolation_level="AUTOCOMMIT")
        self._restore = _commit_without_waiting_for_disk(self._connection)

    def record(self, message: OutboxMessage, **values) -> None:
        """Commit one message's outcome, unless its lease ran out and another worker took it."""
        outcome = {**self._columns.get(message.id, {}), **values}
        try:
            changed = self._commit(message.id, outcome)
        except DataError:
            if outcome == values:
                raise
            log.warning("outbox message %s: its content could not be stored", message.id)
            changed = self._commit(message.id, values)
        field = OUTCOME_FIELDS[values["status"]]
        setattr(self.report, field, getattr(self.report, field) + changed)
        self._lease.renew_if_due(self._connection)

    def close(self) -> None:
        """Put the connection back as it was found."""
        try:
            self._connection.exec_driver_sql(self._restore)
        except SQLAlchemyError:
            self._connection.invalidate()
        finally:
            self._connection.close()

    def _commit(self, message_id: int, values: dict) -> int:
        names = tuple(sorted(values))
        if names not in self._statements:
            table = OutboxMessage.__table__
            self._statements[names] = (
                update(table)
                .where(table.c.id == bindparam("message"), table.c.status == OutboxStatus.SENDING)
                .values(claimed_until=None, **{n: bindparam(f"new_{n}") for n in names})
            )
        parameters = {"message": message_id, **{f"new_{n}": v for n, v in values.items()}}
        return self._connection.execute(self._statements[names], parameters).rowcount


def _commit_without_waiting_for_disk(connection) -> str:
    """Make the connection's commits not wait for the disk; returns the SQL that undoes it."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET synchronous_commit = off")
        return "RESET synchronous_commit"
    if connection.dialect.name == "sqlite":
        level = connection.exec_driver_sql("PRAGMA synchronous").scalar()
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        # Without a write-ahead log, NORMAL could leave the file corrupt after a power cut.
        if mode == "wal":
            connection.exec_driver_sql("PRAGMA synchronous = NORMAL")
        return f"PRAGMA synchronous = {int(level)}"
    return "SELECT 1"


SUBJECT_LENGTH = OutboxMessage.__table__.c.subject.type.length


def _storable(columns: dict) -> dict:
    """A written message's columns as the outbox can hold them: a reminder's subject joins
    a meeting's title and a partnership's name, and may be longer than its column (the email
    itself keeps the whole subject)."""
    subject = columns.get("subject")
    if subject is not None and len(subject) > SUBJECT_LENGTH:
        columns = {**columns, "subject": subject[: SUBJECT_LENGTH - 1] + "…"}
    return columns
