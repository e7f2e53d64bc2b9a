"""The account page: name, time zone, password change and logging out everywhere."""

from __future__ import annotations

from partnerhub.auth.models import User, UserSession
from tests.factories import PASSWORD

NEW_PASSWORD = "a brand new long passphrase"


def change_password(browser, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return browser.post(
        "/account/password",
        data={"current_password": current, "password": new, "confirm": confirm or new},
    )


def test_account_page_shows_the_forms_and_this_device(make, db, logged_in):
    browser = logged_in(make.user("Dana Diaz", timezone="America/Denver"))
    page = browser.get("/account").get_data(as_text=True)
    assert "<h1" in page and "Your account" in page
    assert 'value="Dana Diaz"' in page
    assert '<option selected value="America/Denver">' in page
    assert "this device" in page
    assert "Log out everywhere" in page


def test_name_and_time_zone_are_saved(make, db, logged_in):
    user = make.user()
    browser = logged_in(user)
    response = browser.post("/account", data={"name": "  Dana Diaz ", "timezone": "Asia/Tokyo"})
    assert response.status_code == 302
    db.expire_all()
    saved = db.get(User, user.id)
    assert (saved.name, saved.timezone) == ("Dana Diaz", "Asia/Tokyo")


def test_unknown_time_zone_is_refused_and_the_name_kept(make, db, logged_in):
    user = make.user("Dana", timezone="UTC")
    browser = logged_in(user)
    response = browser.post("/account", data={"name": "Dana <Diaz>", "timezone": "Mars/Olympus"})
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert 'value="Dana &lt;Diaz&gt;"' in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, user.id).timezone == "UTC"


def test_password_change_needs_the_current_password(make, db, logged_in):
    user = make.user()
    browser = logged_in(user)
    response = change_password(browser, current="not my password")
    assert response.status_code == 200
    assert "That is not your current password." in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, user.id).password_hash == user.password_hash


def test_password_change_logs_out_every_other_device_and_copies(app, make, db, logged_in):
    user = make.user()
    other_device = logged_in(user)
    browser = logged_in(user, remember="y")
    copy = app.test_client()
    copy.set_cookie("session", browser.get_cookie("session").value)
    assert copy.get("/").status_code == 200

    assert change_password(browser).status_code == 302

    assert browser.get("/account").status_code == 200
    assert other_device.get("/").status_code == 302
    assert copy.get("/").status_code == 302
    assert db.query(UserSession).filter_by(user_id=user.id).one().remember
    assert (
        app.test_client()
        .post("/login", data={"email": user.email, "password": NEW_PASSWORD})
        .status_code
        == 302
    )


def test_logout_everywhere_ends_every_session(make, db, logged_in):
    user = make.user()
    phone, laptop = logged_in(user), logged_in(user)
    response = laptop.post("/account/logout-everywhere")
    assert response.headers["Location"] == "/login"
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 302
    assert db.query(UserSession).count() == 0
