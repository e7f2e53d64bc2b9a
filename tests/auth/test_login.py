"""Logging in and out, with sessions kept on the server."""

from partnerhub.auth.models import UserSession
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
