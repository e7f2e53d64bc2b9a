"""Account journeys in headless Chromium, through the real forms (CSRF on)."""

from __future__ import annotations

import pytest

from tests.auth.conftest import link_in

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a brand new long passphrase"


def test_forgotten_password_is_reset_from_the_email(page, make, db, mailbox, deliver_outbox):
    make.user("Dana Diaz", email="dana@example.org")
    db.commit()
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("dana@example.org")
    page.get_by_role("button", name="Email me a link").click()
    page.get_by_text("is on its way").wait_for()
    deliver_outbox()

    page.goto(link_in(mailbox()[0].get_body(("plain",)).get_content()))
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    page.get_by_text("Your password is set").wait_for()

    page.get_by_label("Email").fill("dana@example.org")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Welcome, Dana Diaz.").wait_for()


def test_time_zone_is_chosen_on_the_account_page(browser_login, make, db):
    user = make.user("Dana Diaz")
    db.commit()
    page = browser_login(user)
    page.get_by_role("link", name="Dana Diaz").click()
    page.get_by_label("Time zone", exact=True).select_option("America/Chicago")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Your account is saved.").wait_for()
    assert page.get_by_label("Time zone", exact=True).input_value() == "America/Chicago"
