"""Logging in and out, with sessions kept on the server."""

from datetime import timedelta

from partnerhub.auth import services
from partnerhub.auth.models import UserSession
from tests.clock import NOW
from tests.factories import PASSWORD


def test_login_with_any_letter_case_of_the_email(client, make, db):
    make.user("Dana", email="dana@example.org")
    db.commit()
    response = client.post("/login", data={"email": "Dana@Example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_password_keeps_the_email_and_says_what_failed(client, make, db):
    make.user(email="dana@example.org")
    db.commit()
    response = client.post("/login", data={"email": "dana@example.org", "password": "nope"})
    assert response.status_code == 200
    assert b"do not match" in response.data
    assert b'value="dana@example.org"' in response.data


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_copied_cookie_stops_working_after_logout(app, client, make, db):
    make.user(email="dana@example.org")
    db.commit()
    client.post("/login", data={"email": "dana@example.org", "password": PASSWORD})
    copied = app.test_client()
    cookie = client.get_cookie("session")
    copied.set_cookie("session", cookie.value)
    assert copied.get("/").status_code == 200

    client.post("/logout")

    assert copied.get("/").status_code == 302
    assert db.query(UserSession).count() == 0


def log_in(client, email="dana@example.org", password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def copy_cookies(app, client):
    """A second browser holding copies of every cookie the first one has."""
    thief = app.test_client()
    for name in ("session", "remember_token"):
        cookie = client.get_cookie(name)
        if cookie is not None:
            thief.set_cookie(name, cookie.value)
    return thief


def test_login_starts_a_new_session_so_a_planted_cookie_gets_nothing(app, client, make, db):
    make.user(email="dana@example.org")
    db.commit()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    planted = copy_cookies(app, client)

    log_in(client)

    with client.session_transaction() as session:
        assert "planted" not in session
    assert client.get("/").status_code == 200
    assert planted.get("/").status_code == 302


def test_each_login_gets_its_own_server_side_session(app, client, make, db):
    make.user(email="dana@example.org")
    db.commit()
    log_in(client)
    with client.session_transaction() as session:
        first = session["_user_id"]
    other = app.test_client()
    log_in(other)
    with other.session_transaction() as session:
        assert session["_user_id"] != first
    assert db.query(UserSession).count() == 2


def test_inactive_user_cannot_log_in(client, make, db):
    make.user(email="dana@example.org", active=False)
    db.commit()
    response = log_in(client)
    assert response.status_code == 200
    assert b"do not match an active account" in response.data
    assert db.query(UserSession).count() == 0


def test_deactivated_user_is_logged_out_on_next_request(client, make, db, login_as):
    user = make.user()
    db.commit()
    login_as(user)
    user.is_active = False
    db.commit()
    assert client.get("/").status_code == 302


def test_without_remember_me_cookies_end_with_the_browser(client, make, db):
    make.user(email="dana@example.org")
    db.commit()
    log_in(client)
    assert client.get_cookie("session").expires is None
    assert client.get_cookie("remember_token") is None
    login = db.query(UserSession).one()
    assert login.expires_at - login.created_at <= timedelta(hours=12)


def test_remember_me_lasts_at_most_30_days_in_cookie_and_on_server(app, client, make, db):
    make.user(email="dana@example.org")
    db.commit()
    before = NOW
    log_in(client, remember="y")

    cookie = client.get_cookie("remember_token")
    assert cookie.expires - before <= timedelta(days=30, minutes=1)
    login = db.query(UserSession).one()
    assert login.remember
    assert login.expires_at - login.created_at == timedelta(days=30)

    returning = app.test_client()  # the browser was closed: only the remember cookie is left
    returning.set_cookie("remember_token", cookie.value)
    assert returning.get("/").status_code == 200
    with app.app_context():
        token = returning.get_cookie("remember_token").value.split("|")[0]
        assert services.session_user(db, token, login.created_at + timedelta(days=29)) is not None
        assert services.session_user(db, token, login.created_at + timedelta(days=30)) is None


def test_copied_remember_cookie_stops_working_after_logout(app, client, make, db):
    make.user(email="dana@example.org")
    db.commit()
    log_in(client, remember="y")
    thief = app.test_client()
    thief.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert thief.get("/").status_code == 200

    client.post("/logout")

    later = app.test_client()
    later.set_cookie("remember_token", thief.get_cookie("remember_token").value)
    assert later.get("/").status_code == 302


def test_idle_session_ends_after_12_hours(make, db):
    user = make.user()
    now = NOW
    token = services.start_session(db, user, now, remember=False)
    db.commit()
    assert services.session_user(db, token, now + timedelta(hours=11)) is not None
    assert services.session_user(db, token, now + timedelta(hours=11 + 13)) is None


def test_logged_in_visitor_to_login_page_goes_to_dashboard(client, make, db, login_as):
    login_as(make.user())
    assert client.get("/login").headers["Location"] == "/"


def test_an_address_without_a_dot_logs_in_as_typed(client, make, db):
    """The form looks the account up; it does not judge the address's syntax."""
    make.user(email="admin@localhost")
    db.commit()
    assert log_in(client, "admin@localhost").status_code == 302
    assert client.get("/").status_code == 200


def test_anything_typed_as_the_email_fails_like_a_wrong_password(client, make, db):
    make.user(email="dana@example.org")
    db.commit()
    for typed in ("dana", "not an email", "x" * 300 + "@example.org"):
        response = log_in(client, typed)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, typed
        assert "That email and password do not match an active account." in page
        assert "valid email" not in page
    # Control characters are refused like in every one-line field, before any lookup.
    response = log_in(client, "dana@example.org\x00")
    assert response.status_code == 200
    assert "Remove the line breaks and other control characters." in response.get_data(as_text=True)
