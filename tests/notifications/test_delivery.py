"""Outbox delivery against a real SMTP server: claims, retries, failures and leases."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from sqlalchemy import func, select

from partnerhub.cli import main
from partnerhub.notifications import sweep
from partnerhub.notifications.delivery import DeliveryPolicy, claim, deliver_batch
from partnerhub.notifications.mailer import SMTPTransport
from partnerhub.notifications.models import OutboxMessage, OutboxStatus
from partnerhub.notifications.outbox import as_email, queue_email
from tests.clock import NOW
from tests.conftest import SMTPServer, free_port

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

    assert deliver(db, smtp, now + POLICY.lease - timedelta(seconds=1)).handled == 0
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


# --- one bad message never holds up the others ----------------------------------------------

LATER = datetime(2027, 3, 2, 12, 0, tzinfo=UTC)
WIDE = DeliveryPolicy(batch_size=50, max_attempts=2)


def stored_message(db, partnership, now=LATER, headers=None, **columns) -> OutboxMessage:
    """An outbox row as the database holds it, whatever it says."""
    values = {"subject": "Agenda for Tuesday", "recipient": "ana@example.org", **columns}
    return queue_email(
        db,
        key=f"stored:{values['subject']}:{values['recipient']}",
        kind="test",
        to=values["recipient"],
        subject=values["subject"],
        text="Body",
        now=now,
        partnership_id=partnership.id,
        headers=headers,
    )


def good_messages(make, count=20) -> list[OutboxMessage]:
    """One message from each of `count` other partnerships, queued after the bad one."""
    return [make.outbox_email(partnership=make.partnership(), now=LATER) for _ in range(count)]


def accepted(smtp) -> list[str]:
    return sorted(m["Message-ID"] for m in smtp.messages)


def claimed(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).where(OutboxMessage.status == OutboxStatus.SENDING))


def unbuildable(db, partnership) -> OutboxMessage:
    """A stored message the email package cannot build: its headers are not a mapping (as
    someone mending a row by hand, or another release, might store them)."""
    message = stored_message(db, partnership, headers=["List-Unsubscribe"])
    with pytest.raises(AttributeError):
        as_email(message, SENDER)
    return message


def test_a_message_that_cannot_be_built_is_put_back_with_the_reason_and_the_rest_go_out(
    db, make, smtp, login_as
):
    facilitator = make.user("Fiona Facilitator")
    partnership = make.partnership(facilitator)
    broken = unbuildable(db, partnership)
    good = good_messages(make)
    db.commit()

    report = deliver(db, smtp, LATER, WIDE)

    assert (report.sent, report.deferred) == (20, 1)
    assert accepted(smtp) == sorted(m.message_id for m in good)
    assert claimed(db) == 0
    stored = status_of(db, broken)
    assert stored.status == OutboxStatus.PENDING and stored.attempts == 1
    reason = "Could not build this message: AttributeError: 'list' object has no attribute"
    assert stored.last_error.startswith(reason)

    assert deliver(db, smtp, LATER + timedelta(days=1), WIDE).failed == 1
    stored = status_of(db, broken)
    assert stored.status == OutboxStatus.FAILED and stored.attempts == 2
    assert stored.last_error.startswith(f"Gave up after 2 attempts. Last error: {reason}")
    page = login_as(facilitator).get(f"/partnerships/{partnership.id}/failed-mail")
    assert reason.replace("'", "&#39;") in page.get_data(as_text=True)
    assert len(smtp.messages) == 20


@pytest.fixture
def ascii_only_smtp():
    """A real SMTP server that does not offer SMTPUTF8 (internationalised addresses)."""
    server = SMTPServer()
    server.controller = Controller(
        server.handler, hostname="127.0.0.1", port=server.port, enable_SMTPUTF8=False
    )
    server.controller.start()
    yield server
    server.controller.stop()


def test_an_address_the_server_cannot_take_keeps_back_only_its_own_message(
    db, make, ascii_only_smtp
):
    partnership = make.partnership()
    broken = stored_message(db, partnership, recipient="jöe@example.org")
    good = good_messages(make)
    db.commit()

    report = deliver(db, ascii_only_smtp, LATER, WIDE)

    assert (report.sent, report.deferred) == (20, 1)
    assert accepted(ascii_only_smtp) == sorted(m.message_id for m in good)
    assert claimed(db) == 0
    stored = status_of(db, broken)
    assert stored.status == OutboxStatus.PENDING and "SMTPUTF8" in stored.last_error


def meeting_for_reminders(make, partnership, starts_at, title="Monthly partner review"):
    """A meeting tomorrow with one member besides the facilitator, reminded a day ahead."""
    make.member(partnership, make.user())
    return make.meeting(partnership, starts_at, title=title, reminder_offsets=[1440])


def test_reminders_of_a_meeting_that_cannot_be_written_keep_back_only_that_meeting(
    app, db, make, smtp
):
    """A partnership's stored time zone is one this machine no longer knows (tzdata drops
    zones: US/Pacific-New went in 2020), so its meeting's reminders cannot be written."""
    tomorrow = LATER + timedelta(days=1)
    lost = make.partnership(make.user())
    meeting_for_reminders(make, lost, tomorrow - timedelta(minutes=5))
    for n in range(10):
        meeting_for_reminders(make, make.partnership(make.user()), tomorrow + timedelta(hours=n))
    db.commit()
    with app.app_context():
        assert sweep(db, tomorrow - timedelta(hours=1)).queued == 22
        lost.timezone = "US/Pacific-New"
        db.commit()
        report = deliver(db, smtp, tomorrow - timedelta(hours=1), WIDE)

    assert (report.sent, report.deferred) == (20, 2)
    assert claimed(db) == 0
    db.expire_all()
    unwritten = db.scalars(
        select(OutboxMessage).where(OutboxMessage.partnership_id == lost.id)
    ).all()
    assert [m.status for m in unwritten] == [OutboxStatus.PENDING] * 2
    assert all("US/Pacific-New" in m.last_error for m in unwritten)
    assert not any(m.is_written for m in unwritten)


def test_partnerhub_reminders_run_reports_a_bad_message_and_delivers_the_rest(app, db, make, smtp):
    broken = unbuildable(db, make.partnership())
    good_messages(make)
    db.commit()

    result = CliRunner().invoke(
        main, ["reminders", "run", "--now", LATER.isoformat()], obj=app, catch_exceptions=False
    )

    assert result.exit_code == 0, result.output
    assert "Delivery: sent 20, deferred 1, failed 0." in result.output
    assert "Why each was not sent: http://partnerhub.test/admin/outbox" in result.output
    assert len(smtp.messages) == 20
    assert status_of(db, broken).status == OutboxStatus.PENDING


def test_long_titles_are_delivered_and_recorded(app, db, make, smtp):
    """A reminder's subject joins the meeting's title and the partnership's name: longer than
    the outbox's subject column can hold when both are at their longest."""
    tomorrow = LATER + timedelta(days=1)
    partnership = make.partnership(make.user(), name="P" * 200)
    meeting_for_reminders(make, partnership, tomorrow, title="T" * 200)
    db.commit()
    with app.app_context():
        assert sweep(db, LATER).queued == 2
        db.commit()
        report = deliver(db, smtp, LATER, WIDE)

    assert report.sent == 2
    assert claimed(db) == 0
    assert all(m["Subject"].startswith("Reminder: TTTT") for m in smtp.messages)
    db.expire_all()
    for message in db.scalars(select(OutboxMessage)):
        assert message.status == OutboxStatus.SENT and message.is_written


# --- attempts bound every message ------------------------------------------------------------


def test_a_message_whose_worker_dies_each_time_is_given_up_after_the_last_attempt(db, make, smtp):
    message = make.outbox_email(now=LATER)
    db.commit()
    later = LATER
    for attempt in range(1, POLICY.max_attempts + 1):
        assert claim(db, later, POLICY) == [message.id]  # the worker dies while sending it
        assert status_of(db, message).attempts == attempt
        later += POLICY.lease + timedelta(seconds=1)

    report = deliver(db, smtp, later)

    assert report.failed == 1 and report.sent == 0
    assert claim(db, later + timedelta(days=1), POLICY) == []
    stored = status_of(db, message)
    assert stored.status == OutboxStatus.FAILED and stored.attempts == POLICY.max_attempts
    assert stored.last_error == (
        "Gave up after 3 attempts; the last one never finished (the worker sending it stopped)."
    )
    assert smtp.messages == []


# --- each outcome is kept as soon as the server answers ------------------------------------------


def test_each_accepted_message_is_recorded_before_the_next_is_sent(app, db, make, smtp):
    """What a worker killed at any moment would leave: every message the server accepted,
    but the one it accepted last, is already recorded as sent."""
    for _ in range(12):
        make.outbox_email(now=LATER)
    db.commit()
    database = app.extensions["partnerhub.database"]
    recorded_before_each: list[int] = []

    def sent_so_far() -> int:
        with database.sessionmaker() as other:
            return other.scalar(
                select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT)
            )

    accept = smtp.handler.handle_DATA

    async def handle_DATA(server, session, envelope):
        recorded_before_each.append(sent_so_far())
        return await accept(server, session, envelope)

    smtp.handler.handle_DATA = handle_DATA
    assert deliver(db, smtp, LATER, WIDE).sent == 12
    assert recorded_before_each == list(range(12))


def test_a_message_waiting_when_the_limit_was_lowered_is_given_up_with_its_last_error(
    db, make, smtp
):
    message = make.outbox_email(now=LATER)
    message.attempts, message.last_error = 5, "451 4.3.0 Mailbox busy"
    db.commit()

    assert deliver(db, smtp, LATER).failed == 1

    stored = status_of(db, message)
    assert stored.status == OutboxStatus.FAILED and stored.attempts == 5
    assert stored.last_error == "Gave up after 5 attempts; last error: 451 4.3.0 Mailbox busy"
    assert smtp.messages == []
