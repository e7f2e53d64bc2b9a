"""Outbox delivery against a real SMTP server: claims, retries, failures and leases."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from partnerhub.notifications.delivery import DeliveryPolicy, claim, deliver_batch
from partnerhub.notifications.mailer import SMTPTransport
from partnerhub.notifications.models import OutboxMessage, OutboxStatus
from partnerhub.notifications.outbox import queue_email
from tests.clock import NOW
from tests.conftest import free_port

SENDER = "PartnerHub <partnerhub@example.org>"
POLICY = DeliveryPolicy(batch_size=10, max_attempts=3)


def deliver(db, smtp, now=None, policy=POLICY):
    return deliver_batch(db, SMTPTransport(smtp.url, timeout=5), SENDER, now or NOW, policy)


def status_of(db, message) -> OutboxMessage:
    db.expire_all()
    return db.get(OutboxMessage, message.id)


def test_queueing_the_same_key_twice_keeps_one_message(db, make):
    first = make.outbox_email(key="meeting-reminder:1:2026-12-01T17:00:00:P1D:7")
    second = make.outbox_email(key="meeting-reminder:1:2026-12-01T17:00:00:P1D:7")
    assert first.id == second.id
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    assert first.message_id.startswith("<test.") and first.message_id.endswith("@partnerhub>")


def test_message_id_depends_only_on_the_key(db, make):
    message = make.outbox_email(key="agreement-flag:3:30")
    db.delete(message)
    db.flush()
    again = make.outbox_email(key="agreement-flag:3:30", now=NOW + timedelta(days=2))
    assert again.message_id == message.message_id
    assert make.outbox_email(key="agreement-flag:3:7").message_id != message.message_id


def test_two_sweeps_queueing_the_same_key_at_once_leave_one_row(app, db, make):
    """The second transaction's insert waits for the first and then does nothing."""
    database = app.extensions["partnerhub.database"]
    now = NOW

    def queue(session):
        queue_email(
            session, key="k:1", kind="test", to="a@example.org", subject="s", text="t", now=now
        )

    first = database.sessionmaker()
    queue(first)
    second_done = threading.Event()

    def second_sweep():
        with database.transaction() as session:
            queue(session)
        second_done.set()

    thread = threading.Thread(target=second_sweep)
    thread.start()
    assert not second_done.wait(0.5) or database.engine.dialect.name != "postgresql"
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert second_done.is_set()
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_due_messages_are_sent_once_with_their_message_id(db, make, smtp):
    messages = [make.outbox_email() for _ in range(3)]
    db.commit()

    report = deliver(db, smtp)

    assert report.sent == 3
    assert sorted(m["Message-ID"] for m in smtp.messages) == sorted(m.message_id for m in messages)
    for message in messages:
        stored = status_of(db, message)
        assert stored.status == OutboxStatus.SENT
        assert stored.sent_at is not None and stored.attempts == 1
    assert deliver(db, smtp).handled == 0
    assert len(smtp.messages) == 3


def test_a_message_not_yet_due_waits(db, make, smtp):
    make.outbox_email(now=NOW + timedelta(minutes=10))
    db.commit()
    assert deliver(db, smtp).handled == 0
    assert deliver(db, smtp, now=NOW + timedelta(minutes=11)).sent == 1


def test_a_temporary_refusal_is_retried_later_with_backoff(db, make, smtp):
    message = make.outbox_email()
    db.commit()
    smtp.handler.reply = "451 4.3.0 Mailbox busy, try again"
    now = NOW

    assert deliver(db, smtp, now).deferred == 1
    stored = status_of(db, message)
    assert stored.status == OutboxStatus.PENDING
    assert "451" in stored.last_error
    assert now + timedelta(seconds=30) <= stored.next_attempt_at <= now + timedelta(seconds=60)
    assert deliver(db, smtp, now + timedelta(seconds=1)).handled == 0

    smtp.handler.reply = None
    assert deliver(db, smtp, now + timedelta(minutes=2)).sent == 1
    stored = status_of(db, message)
    assert stored.status == OutboxStatus.SENT and stored.attempts == 2
    assert [m["Message-ID"] for m in smtp.messages] == [message.message_id]


def test_backoff_doubles_with_each_attempt():
    policy = DeliveryPolicy(first_retry=timedelta(minutes=1), longest_retry=timedelta(hours=1))
    for attempts, longest in ((1, 1), (2, 2), (3, 4), (9, 60)):
        delay = policy.retry_delay(attempts)
        assert timedelta(minutes=longest) / 2 <= delay <= timedelta(minutes=longest)


def test_a_permanent_refusal_fails_after_one_attempt_with_the_reply(db, make, smtp):
    message = make.outbox_email()
    db.commit()
    smtp.handler.reply = "550 5.1.1 No such user here"

    assert deliver(db, smtp).failed == 1
    assert deliver(db, smtp, NOW + timedelta(days=1)).handled == 0
    stored = status_of(db, message)
    assert stored.status == OutboxStatus.FAILED and stored.attempts == 1
    assert stored.last_error.endswith("550 5.1.1 No such user here")


def test_a_message_is_given_up_after_the_last_attempt(db, make, smtp):
    message = make.outbox_email()
    db.commit()
    smtp.handler.reply = "451 try later"
    later = NOW
    for _ in range(POLICY.max_attempts):
        deliver(db, smtp, later)
        later += timedelta(days=1)
    stored = status_of(db, message)
    assert stored.status == OutboxStatus.FAILED and stored.attempts == POLICY.max_attempts
    assert stored.last_error.startswith("Gave up after 3 attempts")


def test_an_unreachable_server_defers_the_whole_batch(db, make):
    messages = [make.outbox_email() for _ in range(3)]
    db.commit()
    closed = SMTPTransport(f"smtp://127.0.0.1:{free_port()}", timeout=2)

    report = deliver_batch(db, closed, SENDER, NOW, POLICY)

    assert report.deferred == 3
    for message in messages:
        stored = status_of(db, message)
        assert stored.status == OutboxStatus.PENDING
        assert "ConnectionRefusedError" in stored.last_error


def test_refused_recipients_are_detected(db, make, smtp):
    async def handle_RCPT(server, session, envelope, address, options):
        if address.startswith("gone"):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp.handler.handle_RCPT = handle_RCPT
    alone = make.outbox_email("gone@example.org")
    shared = make.outbox_email("here@example.org, gone2@example.org")
    db.commit()

    assert deliver(db, smtp).failed == 2
    assert "gone@example.org: 550" in status_of(db, alone).last_error
    partial = status_of(db, shared).last_error
    assert partial.startswith("Some recipients were refused: gone2@example.org: 550")
    assert len(smtp.messages) == 1


def test_a_claim_held_by_a_killed_worker_is_taken_again_when_its_lease_ends(db, make, smtp):
    message = make.outbox_email()
    db.commit()
    now = NOW
    assert claim(db, now, POLICY) == [message.id]  # the worker dies before sending

    assert deliver(db, smtp, now + timedelta(minutes=1)).handled == 0
    assert deliver(db, smtp, now + POLICY.lease + timedelta(seconds=1)).sent == 1
    assert status_of(db, message).attempts == 2
    assert len(smtp.messages) == 1


@pytest.mark.parametrize("claimers", [4])
def test_concurrent_claims_never_share_a_message(app, db, make, claimers):
    for _ in range(40):
        make.outbox_email()
    db.commit()
    database = app.extensions["partnerhub.database"]
    policy = DeliveryPolicy(batch_size=7)
    start = threading.Barrier(claimers)
    claimed: list[list[int]] = []
    sizes: list[int] = []

    def claimer():
        session = database.sessionmaker()
        start.wait()
        mine = []
        while batch := claim(session, NOW, policy):
            sizes.append(len(batch))
            mine.extend(batch)
        claimed.append(mine)
        session.close()

    threads = [threading.Thread(target=claimer) for _ in range(claimers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    every = [i for mine in claimed for i in mine]
    assert len(every) == len(set(every)) == 40
    assert max(sizes) <= policy.batch_size
