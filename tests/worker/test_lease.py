"""The outbox lease is short and renewed while a batch is sent: a batch that takes longer than
the lease keeps its claim, and a crashed worker's claims come back within about one lease,
not minutes later."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from partnerhub.config import load_config
from partnerhub.notifications.delivery import DeliveryPolicy
from partnerhub.notifications.models import OutboxStatus
from tests.worker.conftest import wait_for
from tests.worker.test_celery_delivery import (
    all_in,
    deliver_until,
    in_flight,
    outbox,
    queue,
    received,
)

LEASE_SECONDS = 2


def test_the_production_lease_is_a_minute(monkeypatch, tmp_path):
    monkeypatch.delenv("PARTNERHUB_OUTBOX_LEASE_SECONDS", raising=False)
    settings = load_config({"SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path)})
    assert settings["OUTBOX_LEASE_SECONDS"] == 60
    assert DeliveryPolicy().lease.total_seconds() == 60


@pytest.mark.slow
def test_a_batch_longer_than_the_lease_keeps_its_claim_while_another_worker_asks(
    db, make, slow_smtp, redis_broker, workers_for
):
    """40 messages at 0.15 s each take three times the lease; the second worker, asked to
    deliver every second meanwhile, never takes over a message the first is still sending."""
    slow_smtp.handler.delay = 0.15
    messages = queue(db, make, 40)
    workers = workers_for(
        slow_smtp, redis_broker,
        PARTNERHUB_OUTBOX_BATCH_SIZE="100", PARTNERHUB_OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS),
    )  # fmt: skip
    workers.start("sender")
    workers.deliver()
    wait_for(lambda: len(slow_smtp.messages) >= 1, 30, what="the batch to start")
    workers.start("other")

    deliver_until(workers, all_in(db, OutboxStatus.SENT), timeout=90)

    assert received(slow_smtp) == Counter({m.message_id: 1 for m in messages})
    assert all(m.attempts == 1 for m in outbox(db)), "no claim was taken over"
    assert b"sent (<" not in workers.log_of("other")


@pytest.mark.slow
def test_a_crashed_workers_claims_are_delivered_by_another_within_about_a_lease(
    db, make, slow_smtp, redis_broker, workers_for
):
    slow_smtp.handler.delay = 0.15
    workers = workers_for(
        slow_smtp, redis_broker,
        PARTNERHUB_OUTBOX_BATCH_SIZE="100", PARTNERHUB_OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS),
    )  # fmt: skip
    started = {name: workers.start(name) for name in ("left", "right")}
    messages = queue(db, make, 40)
    workers.deliver()
    wait_for(lambda: len(slow_smtp.messages) >= 5, 30, what="the batch to be under way")
    (crashing,) = [name for name in started if b"sent (<" in workers.log_of(name)]
    (survivor,) = set(started) - {crashing}

    workers.kill(started[crashing])
    killed_at = time.monotonic()
    time.sleep(slow_smtp.handler.delay * 3)  # the server finishes the message it was taking
    assert in_flight(db)[1] > 0, "the crashed worker left claims behind"
    # Asked to deliver every second, the survivor takes them once the lease runs out.
    deliver_until(workers, all_in(db, OutboxStatus.SENT), timeout=LEASE_SECONDS + 30)

    assert time.monotonic() - killed_at < LEASE_SECONDS + 30  # not the old five minutes
    assert set(received(slow_smtp)) == {m.message_id for m in messages}
    assert sum(received(slow_smtp).values()) <= len(messages) + 1
    assert b"sent (<" in workers.log_of(survivor)
