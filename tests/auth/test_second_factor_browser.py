"""The second factor in headless Chromium: enrol, then log in with a code and a recovery code."""

from __future__ import annotations

import pytest
import time_machine

from tests.auth.test_second_factor import NOW, STEP, code_at
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def log_in_with_password(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def enter_code(page, code: str) -> None:
    page.get_by_label("Code", exact=True).fill(code)
    page.get_by_role("button", name="Verify").click()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out", exact=True).click()
    page.get_by_text("You are logged out.").wait_for()


def test_enrol_then_log_in_with_a_code_and_with_a_recovery_code_once(page, make, db):
    # The server runs in this process, so the frozen clock is the server's clock too.
    with time_machine.travel(NOW, tick=False) as clock:
        make.user("Dana Diaz", email="dana@example.org")
        db.commit()
        log_in_with_password(page, "dana@example.org")
        page.get_by_text("Welcome, Dana Diaz.").wait_for()

        page.get_by_role("link", name="Dana Diaz").click()
        page.get_by_text("Two-factor authentication is off").wait_for()
        page.get_by_role("link", name="Turn on two-factor authentication").click()
        assert page.get_by_role("img", name="QR code for your authenticator app").is_visible()
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        page.get_by_label("Code from your app").fill(code_at(secret, NOW))
        page.get_by_role("button", name="Turn on").click()
        page.get_by_text("Two-factor authentication is on").wait_for()
        codes = page.locator(".recovery-code").all_inner_texts()
        assert len(codes) == 10
        page.get_by_role("link", name="I have saved them").click()
        page.get_by_text("10 recovery codes left").wait_for()
        log_out(page)

        clock.shift(STEP)  # the enrolment's code is spent; the app shows the next one
        log_in_with_password(page, "dana@example.org")
        enter_code(page, code_at(secret, NOW + STEP))
        page.get_by_text("Welcome, Dana Diaz.").wait_for()
        log_out(page)

        log_in_with_password(page, "dana@example.org")
        enter_code(page, codes[0])
        page.get_by_text("You used a recovery code; 9 are left.").wait_for()
        log_out(page)

        log_in_with_password(page, "dana@example.org")
        enter_code(page, codes[0])
        page.get_by_text("That code is not right, or was already used.").wait_for()
        assert page.get_by_role("button", name="Log out", exact=True).count() == 0
