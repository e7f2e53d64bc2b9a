"""A real `celery -A worker worker` process delivers the outbox through Redis to a real SMTP
server: retries, permanent failures, a worker killed mid-batch, two workers, Redis going away."""

from __future__ import annotations

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


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_only_accepted_messages(
    db, make, slow_smtp, redis_broker, workers_for
):
    slow_smtp.handler.delay = 0.15
    messages = queue(db, make, 30)
    workers = workers_for(slow_smtp, redis_broker)
    first = workers.start("first")
    workers.deliver()
    wait_for(lambda: len(slow_smtp.messages) >= 4, what="the batch to be under way")

    workers.kill(first)
    accepted_before_kill = set(received(slow_smtp))
    assert 0 < len(accepted_before_kill) < 30

    workers.start("second")
    deliver_until(workers, all_in(db, OutboxStatus.SENT), timeout=90)

    counts = received(slow_smtp)
    assert set(counts) == {m.message_id for m in messages}
    repeated = {message_id for message_id, n in counts.items() if n > 1}
    assert repeated <= accepted_before_kill
    assert max(counts.values()) <= 2


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
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"database": "ok", "broker": "error"}

    private_redis.start()
    wait_for(lambda: client.get("/healthz").status_code == 200, what="healthz to recover")
    deliver_until(workers, all_in(db, OutboxStatus.SENT), timeout=120)
    assert received(smtp) == Counter({m.message_id: 1 for m in messages})
