"""Login and reset limits hold across web processes while Redis, their usual store, is down:
two gunicorn servers share the database, and the limits count there until Redis is back."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import func, select

from partnerhub.auth.services import PASSWORD_RESET
from partnerhub.notifications.models import OutboxMessage
from tests.conftest import free_port
from tests.factories import PASSWORD
from tests.http_forms import FormBrowser
from tests.worker.conftest import PROJECT, PrivateRedis, clean_env, wait_for
from tests.worker.test_up import healthz

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.fixture
def limits_redis(redis_url, tmp_path):
    """A redis-server of the test's own for the limits, which the test stops."""
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def two_web_processes(app, limits_redis, tmp_path):
    """Two gunicorn servers on the test database, counting limits in the private Redis."""
    env = clean_env(
        PARTNERHUB_DATABASE_URL=app.config["DATABASE_URL"],
        PARTNERHUB_RATELIMIT_STORAGE_URI=limits_redis.url,
        PARTNERHUB_INSTANCE_PATH=str(tmp_path / "instance"),
        PARTNERHUB_MAIL_URL=f"file://{tmp_path / 'mail'}",
        PARTNERHUB_SECRET_KEY="shared by both web processes",
        PARTNERHUB_LOGIN_FAILURES_PER_ACCOUNT="3/15 minutes",
        PARTNERHUB_RESET_REQUESTS_PER_ACCOUNT="5/hour",
    )
    servers, urls = [], []
    for name in ("first", "second"):
        port = free_port()
        log = (tmp_path / f"{name}.log").open("wb")
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
                   "--workers", "1", "partnerhub.wsgi:app"]  # fmt: skip
        servers.append(
            subprocess.Popen(command, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            wait_for(lambda url=url: healthz(url) == 200, 60, what=f"gunicorn at {url}")
        yield urls
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(15)


def take_turns(urls, count):
    """`count` fresh browsers, each on the next of the two servers in turn."""
    return [FormBrowser(urls[n % len(urls)]) for n in range(count)]


def test_reset_emails_for_one_account_stay_within_the_limit_while_redis_is_down(
    two_web_processes, limits_redis, make, db
):
    make.user(email="dana@example.org")
    db.commit()
    limits_redis.kill()

    pages = [
        browser.submit("/forgot-password", {"email": "dana@example.org"})
        for browser in take_turns(two_web_processes, 7)
    ]

    assert [page.status for page in pages] == [200] * 5 + [429] * 2
    assert "Too many reset requests" in pages[-1].text
    # Each request accepted queues one reset email (written by the delivery worker).
    queued = select(func.count()).where(
        OutboxMessage.kind == PASSWORD_RESET, OutboxMessage.recipient == "dana@example.org"
    )
    assert db.scalar(queued) == 5


def test_failed_logins_for_one_account_stay_within_the_limit_while_redis_is_down(
    two_web_processes, limits_redis, make, db
):
    make.user(email="dana@example.org")
    db.commit()
    limits_redis.kill()
    browsers = take_turns(two_web_processes, 4)

    failures = [
        browser.submit("/login", {"email": "dana@example.org", "password": "wrong password"})
        for browser in browsers[:3]
    ]
    blocked = browsers[3].submit("/login", {"email": "dana@example.org", "password": PASSWORD})

    assert [page.status for page in failures] == [200] * 3
    assert all("do not match" in page.text for page in failures)
    assert blocked.status == 429
    assert "Too many failed attempts for this account" in blocked.text
