"""Password reset by email: same answer for any email, single-use expiring links."""

from __future__ import annotations

from datetime import timedelta

from partnerhub.auth import services
from partnerhub.auth.models import PasswordReset, UserSession
from partnerhub.notifications.models import OutboxMessage, OutboxStatus
from tests.auth.conftest import link_in
from tests.clock import NOW
from tests.factories import PASSWORD

NEW_PASSWORD = "a brand new long passphrase"


def request_reset(client, email):
    return client.post("/forgot-password", data={"email": email}, follow_redirects=True)


def test_known_and_unknown_emails_get_the_same_answer(client, make, db, mailbox):
    make.user(email="dana@example.org")
    db.commit()
    known = request_reset(client, "dana@example.org").get_data(as_text=True)
    unknown = request_reset(client, "nobody@example.org").get_data(as_text=True)
    assert known.replace("dana", "X") == unknown.replace("nobody", "X")
    assert len(mailbox()) == 1


def test_reset_mail_is_delivered_over_smtp_at_once_and_marked_sent(smtp, client, make, db):
    make.user("Dana Diaz", email="dana@example.org")
    db.commit()
    request_reset(client, "Dana@Example.org")

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


def test_unreachable_mail_server_leaves_the_message_pending_for_the_worker(app, client, make, db):
    app.config["MAIL_URL"] = "smtp://127.0.0.1:9"  # nothing listens there
    make.user(email="dana@example.org")
    db.commit()
    response = request_reset(client, "dana@example.org")
    assert response.status_code == 200
    outbox = db.query(OutboxMessage).one()
    assert outbox.status is OutboxStatus.PENDING
    assert outbox.attempts == 1


def test_link_sets_a_new_password_once_and_logs_out_everywhere(
    app, client, make, db, mailbox, logged_in
):
    user = make.user(email="dana@example.org")
    db.commit()
    elsewhere = logged_in(user)
    request_reset(client, "dana@example.org")
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


def test_deactivated_account_gets_no_reset_mail(client, make, db, mailbox):
    make.user(email="dana@example.org", active=False)
    db.commit()
    request_reset(client, "dana@example.org")
    assert mailbox() == []
