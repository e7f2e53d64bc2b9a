"""Password reset by email: same answer for any email, single-use expiring links."""

from __future__ import annotations

import json
import statistics
import time
from datetime import timedelta

import redis

from partnerhub.auth import services
from partnerhub.auth.models import PasswordReset, UserSession
from partnerhub.notifications.models import OutboxMessage, OutboxStatus
from tests.auth.conftest import link_in
from tests.clock import NOW
from tests.conftest import free_port
from tests.factories import PASSWORD

NEW_PASSWORD = "a brand new long passphrase"


def request_reset(client, email):
    return client.post("/forgot-password", data={"email": email}, follow_redirects=True)


def test_known_and_unknown_emails_get_the_same_answer(client, make, db, mailbox, deliver_outbox):
    make.user(email="dana@example.org")
    db.commit()
    known = request_reset(client, "dana@example.org").get_data(as_text=True)
    unknown = request_reset(client, "nobody@example.org").get_data(as_text=True)
    assert known.replace("dana", "X") == unknown.replace("nobody", "X")
    deliver_outbox()
    assert len(mailbox()) == 1


def test_reset_mail_is_sent_by_delivery_after_the_answer_and_marked_sent(
    smtp, client, make, db, deliver_outbox
):
    make.user("Dana Diaz", email="dana@example.org")
    db.commit()
    request_reset(client, "Dana@Example.org")
    assert smtp.messages == []  # nothing is written or sent while the visitor waits

    assert deliver_outbox().sent == 1
    [message] = smtp.messages
    assert message["To"] == "dana@example.org"
    assert message["Subject"] == "Reset your PartnerHub password"
    assert "Hello Dana Diaz" in message.get_body(("plain",)).get_content()
    assert "<a href=" in message.get_body(("html",)).get_content()
    outbox = db.query(OutboxMessage).one()
    assert outbox.status is OutboxStatus.SENT
    assert outbox.kind == "auth_password_reset"
    token = link_in(message.get_body(("plain",)).get_content()).rsplit("/", 1)[1]
    assert db.query(PasswordReset).one().token_hash == services.token_digest(token)


def test_unreachable_mail_server_leaves_the_message_pending_for_the_next_delivery(
    app, client, make, db, deliver_outbox
):
    app.config["MAIL_URL"] = "smtp://127.0.0.1:9"  # nothing listens there
    make.user(email="dana@example.org")
    db.commit()
    response = request_reset(client, "dana@example.org")
    assert response.status_code == 200
    assert deliver_outbox().deferred == 1
    outbox = db.query(OutboxMessage).one()
    assert outbox.status is OutboxStatus.PENDING
    assert outbox.attempts == 1


def test_an_unknown_address_is_queued_like_a_known_one_and_never_sent(
    smtp, client, make, db, deliver_outbox
):
    make.user(email="dana@example.org")
    db.commit()
    request_reset(client, "dana@example.org")
    request_reset(client, "nobody@example.org")
    known, unknown = db.query(OutboxMessage).order_by(OutboxMessage.id).all()
    assert known.kind == unknown.kind == "auth_password_reset"
    assert known.subject is unknown.subject is None  # written by delivery, not by the request
    assert db.query(PasswordReset).count() == 0

    assert deliver_outbox().sent == 1
    assert [m["To"] for m in smtp.messages] == ["dana@example.org"]
    db.expire_all()
    assert unknown.status is OutboxStatus.SKIPPED
    assert db.query(PasswordReset).count() == 1


def test_known_and_unknown_emails_are_answered_in_the_same_time(app, smtp, client, make, db):
    """Timing must not tell whether an address has an account (medians of interleaved runs)."""
    app.config["RESET_REQUESTS_PER_ACCOUNT"] = "10000/hour"
    app.config["RESET_REQUESTS_PER_ADDRESS"] = "10000/hour"
    make.user(email="dana@example.org")
    db.commit()
    emails = {"known": "dana@example.org", "unknown": "nobody@example.org"}

    def post(which: str) -> float:
        started = time.perf_counter()
        response = client.post("/forgot-password", data={"email": emails[which]})
        elapsed = time.perf_counter() - started
        assert response.status_code == 302
        return elapsed

    def ratio_of_medians() -> float:
        samples = {"known": [], "unknown": []}
        for round_ in range(30):
            order = ("known", "unknown") if round_ % 2 else ("unknown", "known")
            for which in order:
                samples[which].append(post(which))
        known, unknown = statistics.median(samples["known"]), statistics.median(samples["unknown"])
        return max(known, unknown) / min(known, unknown)

    for _ in range(5):  # warm up templates, connections and caches on both paths
        post("known"), post("unknown")
    # A machine busy with other work can skew one measurement (three in a row reached 1.20-1.42
    # on two cores running two test suites); a real difference (sending the email during the
    # request took 6x as long) skews every one.
    ratios = []
    while len(ratios) < 5 and (not ratios or ratios[-1] >= 1.2):
        ratios.append(ratio_of_medians())
    assert ratios[-1] < 1.2, ratios


def test_link_sets_a_new_password_once_and_logs_out_everywhere(
    app, client, make, db, mailbox, logged_in, deliver_outbox
):
    user = make.user(email="dana@example.org")
    db.commit()
    elsewhere = logged_in(user)
    request_reset(client, "dana@example.org")
    deliver_outbox()
    link = link_in(mailbox()[0].get_body(("plain",)).get_content())

    form = client.get(link)
    assert form.status_code == 200
    assert b"dana@example.org" in form.data
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302

    assert elsewhere.get("/").status_code == 302
    assert db.query(UserSession).count() == 0
    assert client.get(link).status_code == 404
    assert b"expired or was already used" in client.get(link).data
    assert (
        app.test_client()
        .post("/login", data={"email": "dana@example.org", "password": PASSWORD})
        .status_code
        == 200
    )
    assert (
        app.test_client()
        .post("/login", data={"email": "dana@example.org", "password": NEW_PASSWORD})
        .status_code
        == 302
    )


def test_setting_a_password_spends_every_other_link_of_the_user(client, make, db):
    user = make.user()
    now = NOW
    _first, first = services.start_password_reset(db, user, now)
    _second, second = services.start_password_reset(db, user, now)
    db.commit()
    client.post(
        f"/reset-password/{second}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert client.get(f"/reset-password/{first}").status_code == 404


def test_expired_link_is_refused(client, make, db):
    user = make.user()
    _reset, token = services.start_password_reset(db, user, NOW - timedelta(hours=2))
    db.commit()
    response = client.post(
        f"/reset-password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 404
    assert db.get(type(user), user.id).password_hash == user.password_hash


def test_short_or_mismatched_password_is_explained_next_to_the_field(client, make, db):
    user = make.user()
    _reset, token = services.start_password_reset(db, user, NOW)
    db.commit()
    short = client.post(f"/reset-password/{token}", data={"password": "short", "confirm": "short"})
    assert b"at least 10 characters" in short.data
    differ = client.post(
        f"/reset-password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"}
    )
    assert b"The two passwords differ" in differ.data
    assert db.query(PasswordReset).one().used_at is None


def test_deactivated_account_gets_no_reset_mail(client, make, db, mailbox, deliver_outbox):
    make.user(email="dana@example.org", active=False)
    db.commit()
    request_reset(client, "dana@example.org")
    assert deliver_outbox().sent == 0
    assert mailbox() == []


def test_after_the_answer_a_worker_is_asked_to_deliver_and_a_broker_outage_is_harmless(
    app, client, make, db, redis_url
):
    broker = redis.Redis.from_url(redis_url)
    broker.delete("celery")
    app.config["BROKER_URL"] = redis_url
    response = request_reset(client, "dana@example.org")
    response.close()  # as the web server does once the answer has been sent
    [queued] = broker.lrange("celery", 0, -1)
    assert json.loads(queued)["headers"]["task"] == "partnerhub.deliver_outbox"
    broker.delete("celery")

    app.config["BROKER_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    response = request_reset(client, "dana@example.org")
    assert response.status_code == 200
    response.close()
    assert db.query(OutboxMessage).count() == 2  # both wait for the scheduled delivery
