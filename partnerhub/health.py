"""Health: `/healthz` (liveness: this web process and its database answer) and `/readyz`
(readiness: the database is at the latest migration and the task broker answers too).

A broker outage leaves the site working (mail waits in the outbox), so it must not fail the
liveness check a load balancer or `docker compose` watches; it fails readiness, and both
report it.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from partnerhub import migrate
from partnerhub.extensions import database

log = logging.getLogger(__name__)
blueprint = Blueprint("health", __name__)

TIMEOUT_SECONDS = 2


@blueprint.route("/healthz")
def healthz():
    """{"database": …, "broker": "ok"|"error"}: 200 when the database answers, else 503."""
    report = _report()
    return jsonify(report), 200 if report["database"] == "ok" else 503


@blueprint.route("/readyz")
def readyz():
    """The same report: 200 only when the database answers at the latest migration and the
    broker answers, else 503; an unmigrated database reads "not migrated (at X, need Y)"."""
    report = _report()
    if report["database"] == "ok":
        report["database"] = _migration_state()
    ready = all(value == "ok" for value in report.values())
    return jsonify(report), 200 if ready else 503


def _migration_state() -> str:
    try:
        behind = migrate.lag(database.engine_owner.engine)
    except Exception as error:  # it answered a moment ago: report, do not fail the request
        log.warning("readyz: migration state unknown: %s", error)
        return "error"
    if behind is None:
        return "ok"
    log.warning("readyz: database not migrated (%s)", behind)
    return f"not migrated ({behind})"


def _report() -> dict[str, str]:
    return {
        "database": _check("database", _database_answers),
        "broker": _check("broker", lambda: broker_answers(current_app.config["BROKER_URL"])),
    }


def _check(name: str, probe) -> str:
    try:
        probe()
    except Exception as error:  # any failure means "not reachable"; the log says which
        log.warning("healthz: %s unreachable: %s", name, error)
        return "error"
    return "ok"


def _database_answers() -> None:
    with database.engine_owner.engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


def broker_answers(url: str) -> None:
    """Raise unless the broker at `url` answers within a couple of seconds."""
    if url.startswith(("redis://", "rediss://")):
        import redis

        client = redis.Redis.from_url(
            url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
        )
        try:
            client.ping()
        finally:
            client.close()
    elif url.startswith("sqla+"):
        engine = sa.create_engine(url.removeprefix("sqla+"))
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        finally:
            engine.dispose()
    else:
        from kombu import Connection

        with Connection(url, connect_timeout=TIMEOUT_SECONDS) as connection:
            connection.ensure_connection(max_retries=1)
