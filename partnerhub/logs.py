"""Logging: where lines go, and one line per request and per task.

Each line names its request or task by id, with its duration and outcome. What a line may
carry is chosen here, never passed through: no query string, no form, no header and no cookie,
and a token in the path (a reset, invitation, unsubscribe or calendar feed link) is shown as
`<token>`. Mail is logged by outbox id, never by its body.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
REQUEST_ID_HEADER = "X-Request-ID"
# A request id from a proxy in front is kept when it looks like one; anything else is replaced.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")

requests_log = logging.getLogger("partnerhub.request")
tasks_log = logging.getLogger("partnerhub.task")


def configure() -> None:
    """Every process writes to its standard error, one line per event, at INFO."""
    logging.basicConfig(level=logging.INFO, format=FORMAT)


def init_app(app: Flask) -> None:
    # First of all: a check that answers early (CSRF, rate limits) ends the request without
    # running the hooks after it, and its request is logged too.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    app.teardown_request(_log_request)


def _start() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    g.request_status = response.status_code
    g.request_user = _user_id()
    if "request_id" in g:
        response.headers[REQUEST_ID_HEADER] = g.request_id
    return response


def _log_request(error: BaseException | None) -> None:
    if "request_id" not in g:  # failed before the request started (a bad request line)
        return
    status = g.get("request_status", 500)
    outcome = type(error).__name__ if error else ("ok" if status < 500 else "error")
    requests_log.info(
        "request id=%s method=%s path=%s status=%s duration_ms=%.1f user=%s outcome=%s",
        g.request_id,
        request.method,
        loggable_path(),
        status,
        (time.perf_counter() - g.request_started) * 1000,
        g.get("request_user") or "-",
        outcome,
    )


def loggable_path() -> str:
    """The path without its query string, with any token in it replaced by `<token>`."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if "token" in name and value:
            path = path.replace(str(value), "<token>")
    return path


def _user_id() -> int | None:
    """The logged-in user's id, if this request loaded one (the log never loads it)."""
    user = g.get("_login_user")
    return getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None


class TaskLog:
    """One line per task run: id, name, duration and outcome (Celery's signals call it)."""

    def __init__(self) -> None:
        self._started: dict[str, float] = {}

    def started(self, task_id: str) -> None:
        self._started[task_id] = time.perf_counter()

    def finished(self, task_id: str, name: str, outcome: str) -> None:
        started = self._started.pop(task_id, None)
        duration = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        tasks_log.info(
            "task id=%s name=%s duration_ms=%.1f outcome=%s", task_id, name, duration, outcome
        )
