"""Helpers for the account tests."""

from __future__ import annotations

import re

import pytest

from tests.factories import PASSWORD


def link_in(text: str) -> str:
    """The path of the one PartnerHub link in an email body."""
    match = re.search(r"http://partnerhub\.test(/\S+)", text)
    assert match, text
    return match.group(1)


@pytest.fixture
def logged_in(app, make, db):
    """Log a fresh test client in as `user` through the login form; returns the client."""

    def log_in(user, **extra):
        db.commit()
        browser = app.test_client()
        response = browser.post("/login", data={"email": user.email, "password": PASSWORD, **extra})
        assert response.status_code == 302
        return browser

    return log_in
