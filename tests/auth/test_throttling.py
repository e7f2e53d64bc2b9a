"""Failed logins are throttled per account and per address; reset requests per account."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from partnerhub import create_app
from partnerhub.auth.models import LimitAttempt
from partnerhub.extensions import limiter
from tests.factories import PASSWORD


@pytest.fixture
def strict(app):
    """Small limits, so a handful of requests reaches them."""
    app.config.update(
        LOGIN_FAILURES_PER_ACCOUNT="3/15 minutes",
        LOGIN_FAILURES_PER_ADDRESS="5/15 minutes",
        RESET_REQUESTS_PER_ACCOUNT="2/hour",
    )
    return app


def attempt(client, email, password="wrong password", address="198.51.100.7"):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_failures_for_one_account_are_throttled_with_a_clear_page(strict, client, make, db):
    make.user(email="dana@example.org")
    db.commit()
    for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        assert attempt(client, "dana@example.org", address=address).status_code == 200

    response = attempt(client, "DANA@example.org", PASSWORD, address="198.51.100.4")

    assert response.status_code == 429
    assert "Too many failed attempts for this account" in response.get_data(as_text=True)
    assert "Retry-After" in response.headers
    assert client.get("/").status_code == 302  # not logged in


def test_other_accounts_still_log_in_while_one_is_throttled(strict, client, make, db):
    make.user(email="dana@example.org")
    make.user(email="sam@example.org")
    db.commit()
    for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        attempt(client, "dana@example.org", address=address)

    assert attempt(client, "sam@example.org", PASSWORD, address="198.51.100.1").status_code == 302


def test_failures_from_one_address_are_throttled_across_accounts(strict, client, make, db):
    make.user(email="dana@example.org")
    db.commit()
    for n in range(5):
        assert attempt(client, f"guess{n}@example.org").status_code == 200

    assert attempt(client, "dana@example.org", PASSWORD).status_code == 429
    assert attempt(client, "dana@example.org", PASSWORD, address="203.0.113.9").status_code == 302


def test_successful_logins_do_not_count(strict, app, make, db):
    make.user(email="dana@example.org")
    db.commit()
    for _ in range(6):
        browser = app.test_client()
        assert attempt(browser, "dana@example.org", PASSWORD).status_code == 302


def test_showing_the_login_page_is_never_throttled(strict, client, make, db):
    for n in range(5):
        attempt(client, f"guess{n}@example.org")
    assert client.get("/login", environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 200


def test_reset_requests_for_one_account_are_throttled(strict, client, make, db):
    make.user(email="dana@example.org")
    db.commit()
    for _ in range(2):
        response = client.post("/forgot-password", data={"email": "dana@example.org"})
        assert response.status_code == 302
    response = client.post("/forgot-password", data={"email": "dana@example.org"})
    assert response.status_code == 429
    assert "Too many reset requests" in response.get_data(as_text=True)


def test_limits_are_shared_by_every_web_process_through_redis(
    app, redis_url, database_url, tmp_path
):
    """Two app instances (two gunicorn workers, say) count failures in the same Redis."""
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test secret key",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": redis_url,
        "LOGIN_FAILURES_PER_ACCOUNT": "2/15 minutes",
    }
    email = f"dana+{uuid.uuid4().hex}@example.org"  # a fresh key, whatever Redis already holds
    first = create_app({**config, "INSTANCE_PATH": str(tmp_path / "one")})
    for _ in range(2):
        assert attempt(first.test_client(), email).status_code == 200
    second = create_app({**config, "INSTANCE_PATH": str(tmp_path / "two")})
    assert "redis" in type(limiter.storage).__name__.lower()
    assert attempt(second.test_client(), email).status_code == 429
    for app in (first, second):
        app.extensions["partnerhub.database"].dispose()


def test_unreachable_limit_storage_falls_back_to_counting_in_the_database(
    database_url, tmp_path, make, db
):
    """Logins keep working, and keep being throttled, while Redis is down: the failures are
    counted in the database, where every web process sees them."""
    make.user(email="dana@example.org")
    db.commit()
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "no-redis"),
            "SECRET_KEY": "test secret key",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0",  # nothing listens there
            "LOGIN_FAILURES_PER_ACCOUNT": "2/15 minutes",
        }
    )
    client = app.test_client()
    assert attempt(client, "dana@example.org", PASSWORD).status_code == 302
    assert [attempt(app.test_client(), "sam@example.org").status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    counted = db.scalars(select(LimitAttempt.key)).all()
    assert len([key for key in counted if "account:" in key]) == 2
    app.extensions["partnerhub.database"].dispose()


def test_storage_is_read_from_the_environment(monkeypatch, tmp_path):
    from partnerhub.config import load_config

    monkeypatch.setenv("PARTNERHUB_RATELIMIT_STORAGE_URI", "redis://cache:6379/1")
    monkeypatch.setenv("PARTNERHUB_LOGIN_FAILURES_PER_ACCOUNT", "3/hour")
    config = load_config({"INSTANCE_PATH": str(tmp_path)})
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/1"
    assert config["LOGIN_FAILURES_PER_ACCOUNT"] == "3/hour"
