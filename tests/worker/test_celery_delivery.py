"""A real `celery -A worker worker` process delivers the outbox through Redis to a real SMTP
server: retries, permanent failures, workers killed mid-batch, two workers, Redis going away."""

from __future__ import annotations

import time
from collections import Counter

from sqlalchemy import select

from partnerhub.notifications.models import OutboxMessage, OutboxStatus
from tests.worker.conftest import wait_for


def outbox(db) -> list[OutboxMessage]:
    db.expire_all()
    rows = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    db.rollback()
    return rows


def all_in(db, status: OutboxStatus):
    return lambda: all(m.status == status for m in outbox(db))


def received(smtp) -> Counter:
    """How many times the server accepted each Message-ID."""
    return Counter(m["Message-ID"] for m in list(smtp.messages))


def deliver_until(workers, condition, timeout=60):
    """Send delivery tasks (as beat would, only faster) until `condition()` holds."""

    def nudge():
        if condition():
            return True
        workers.deliver()
        return False

    wait_for(nudge, timeout, interval=1.0, what="delivery")


def queue(db, make, count: int) -> list[OutboxMessage]:
    messages = [make.outbox_email() for _ in range(count)]
    db.commit()
    return messages


def test_a_deferred_message_is_delivered_once_the_server_recovers(
    db, make, smtp, redis_broker, workers_for
):
    messages = queue(db, make, 3)
    smtp.handler.reply = "451 4.7.1 Greylisted, try again later"
    workers = workers_for(smtp, redis_broker)
    workers.start("one")
    workers.deliver()

    wait_for(lambda: all(m.attempts >= 1 and m.last_error for m in outbox(db)), what="451")
    assert all(m.status in (OutboxStatus.PENDING, OutboxStatus.SENDING) for m in outbox(db))
    assert "451 4.7.1 Greylisted" in outbox(db)[0].last_error
    assert received(smtp) == Counter()

    smtp.handler.reply = None
    deliver_until(workers, all_in(db, OutboxStatus.SENT))
    assert received(smtp) == Counter({m.message_id: 1 for m in messages})
    assert all(m.attempts >= 2 for m in outbox(db))


def test_a_permanent_refusal_is_tried_once_marked_failed_and_shown_to_the_facilitator(
    db, make, smtp, redis_broker, workers_for, login_as
):
    facilitator = make.user("Fiona Facilitator")
    partnership = make.partnership(facilitator)
    for _ in range(2):
        make.outbox_email(partnership=partnership)
    db.commit()
    smtp.handler.reply = "550 5.1.1 Recipient address rejected: user unknown"
    workers = workers_for(smtp, redis_broker)
    workers.start("one")
    deliver_until(workers, all_in(db, OutboxStatus.FAILED))

    runs = workers.log_of("one").count(b"succeeded")
    workers.deliver()
    workers.deliver()
    wait_for(lambda: workers.log_of("one").count(b"succeeded") >= runs + 2, what="two more runs")
    for message in outbox(db):
        assert message.status == OutboxStatus.FAILED
        assert message.attempts == 1
        assert message.last_error.endswith("550 5.1.1 Recipient address rejected: user unknown")
    page = login_as(facilitator).get(f"/partnerships/{partnership.id}/failed-mail")
    assert page.get_data(as_text=True).count("550 5.1.1 Recipient address rejected") == 2


def in_flight(db) -> tuple[int, int]:
    """How many messages are recorded as sent, and how many are claimed but not yet sent."""
    statuses = Counter(m.status for m in outbox(db))
    return statuses[OutboxStatus.SENT], statuses[OutboxStatus.SENDING]


def test_a_killed_worker_repeats_at_most_the_one_message_the_server_had_just_accepted(
    db, make, slow_smtp, redis_broker, workers_for
):
    """Two workers are killed (SIGKILL) in the middle of their batch; a third finishes."""
    slow_smtp.handler.delay = 0.1
    messages = queue(db, make, 40)
    workers = workers_for(slow_smtp, redis_broker, PARTNERHUB_OUTBOX_BATCH_SIZE="100")
    accepted_before_kills: set[str] = set()
    for name in ("first", "second"):
        worker = workers.start(name)
        already = len(slow_smtp.messages)
        deliver_until(workers, lambda: len(slow_smtp.messages) >= already + 5)  # noqa: B023

        workers.kill(worker)
        time.sleep(slow_smtp.handler.delay * 5)  # the server finishes the message it was taking
        accepted_before_kills |= set(received(slow_smtp))
        sent, claimed = in_flight(db)
        assert claimed > 0, "the worker was killed with part of its batch still to send"
        assert sent >= len(accepted_before_kills) - 1, "all it sent, but the last, is recorded"

    workers.start("last")
    deliver_until(workers, all_in(db, OutboxStatus.SENT), timeout=90)

    counts = received(slow_smtp)
    assert set(counts) == {m.message_id for m in messages}
    repeated = {message_id: n - 1 for message_id, n in counts.items() if n > 1}
    assert set(repeated) <= accepted_before_kills
    assert sum(repeated.values()) <= 2, f"{sum(repeated.values())} repeats for 2 killed workers"


def test_two_workers_at_once_send_each_message_exactly_once(
    db, make, slow_smtp, redis_broker, workers_for
):
    slow_smtp.handler.delay = 0.1
    workers = workers_for(slow_smtp, redis_broker)
    workers.start("left")
    workers.start("right")
    messages = queue(db, make, 40)
    workers.deliver()
    workers.deliver()
    deliver_until(workers, all_in(db, OutboxStatus.SENT), timeout=90)

    assert received(slow_smtp) == Counter({m.message_id: 1 for m in messages})
    assert b"sent (<" in workers.log_of("left") and b"sent (<" in workers.log_of("right")


def test_pages_keep_working_while_redis_is_down_and_mail_goes_out_after(
    app, db, make, smtp, private_redis, workers_for, login_as
):
    app.config["BROKER_URL"] = private_redis.url
    workers = workers_for(smtp, private_redis.url)
    workers.start("one")
    client = login_as(make.user("Dana Dispatcher"))

    private_redis.kill()
    messages = queue(db, make, 3)  # written by the web while Redis is gone
    assert client.get("/").status_code == 200
    live, ready = client.get("/healthz"), client.get("/readyz")
    assert live.status_code == 200 and ready.status_code == 503
    assert live.get_json() == ready.get_json() == {"database": "ok", "broker": "error"}

    private_redis.start()
    wait_for(lambda: client.get("/readyz").status_code == 200, what="readiness to recover")
    deliver_until(workers, all_in(db, OutboxStatus.SENT), timeout=120)
    assert received(smtp) == Counter({m.message_id: 1 for m in messages})
