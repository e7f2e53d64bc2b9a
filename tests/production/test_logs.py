"""One log line per request: its id, method, path (no query string, tokens hidden), status,
duration, user and outcome; the id is kept from a proxy when sane and sent back. Database
errors, which reach the logs, do not quote values."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy.exc import IntegrityError

LINE = re.compile(
    r"request id=(?P<id>\S+) method=(?P<method>\S+) path=(?P<path>\S+) status=(?P<status>\d+) "
    r"duration_ms=(?P<duration>[\d.]+) user=(?P<user>\S+) outcome=(?P<outcome>\S+)$"
)


@pytest.fixture
def request_lines(caplog):
    caplog.set_level(logging.INFO, logger="partnerhub.request")

    def lines() -> list[dict]:
        return [
            LINE.match(r.getMessage()).groupdict()
            for r in caplog.records
            if r.name == "partnerhub.request"
        ]

    return lines


def test_a_request_is_one_line_with_its_id_status_user_and_duration(make, login_as, request_lines):
    user = make.user()
    client = login_as(user)

    response = client.get("/?tab=mine&token=abc123secret")

    (line,) = request_lines()
    assert line["method"] == "GET" and line["path"] == "/"
    assert line["status"] == "200" and line["outcome"] == "ok"
    assert line["user"] == str(user.id)
    assert float(line["duration"]) > 0
    assert re.fullmatch(r"[0-9a-f]{32}", line["id"])
    assert response.headers["X-Request-ID"] == line["id"]


def test_a_token_in_the_path_is_hidden_and_the_query_string_left_out(client, request_lines):
    client.get("/reset-password/Zq3-secret-reset-token?next=/x")
    client.get("/calendar/feed-token-9f8e7d.ics")
    client.get("/unsubscribe/unsub-token-1a2b")

    paths = [line["path"] for line in request_lines()]
    assert paths == ["/reset-password/<token>", "/calendar/<token>.ics", "/unsubscribe/<token>"]
    assert [line["user"] for line in request_lines()] == ["-", "-", "-"]


def test_a_sane_request_id_from_a_proxy_is_kept_and_any_other_replaced(client, request_lines):
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c21-0001"})
    replaced = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})

    first, second = request_lines()
    assert first["id"] == kept.headers["X-Request-ID"] == "lb-7f3a9c21-0001"
    assert re.fullmatch(r"[0-9a-f]{32}", second["id"])
    assert replaced.headers["X-Request-ID"] == second["id"]


def test_a_request_refused_before_the_view_is_logged_too(app, client, request_lines):
    app.config["WTF_CSRF_ENABLED"] = True

    response = client.post("/login", data={"email": "a@example.org", "password": "hunter2hunter2"})

    assert response.status_code == 400
    (line,) = request_lines()
    assert (line["method"], line["path"], line["status"]) == ("POST", "/login", "400")
    assert response.headers["X-Request-ID"] == line["id"]


def test_a_database_error_does_not_quote_the_values_it_was_given(make, db):
    """Such errors reach the logs (a failed task, a 500), and values may be secrets."""
    make.user(email="twice@example.org")
    with pytest.raises(IntegrityError) as raised:
        make.user("Name only this test knows", email="twice@example.org")
    db.rollback()

    # (PostgreSQL's own message names the duplicate key; the other values stay out.)
    assert "Name only this test knows" not in str(raised.value)
    assert "hidden" in str(raised.value)
