"""Thin task wrappers over partnerhub services, under stable names."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import asdict

from flask import current_app

from partnerhub.db import utcnow
from partnerhub.notifications.delivery import DeliveryPolicy, deliver_due
from partnerhub.notifications.mailer import transport_for
from worker import app

log = logging.getLogger(__name__)


def _database():
    return current_app.extensions["partnerhub.database"]


def _service(module: str, name: str) -> Callable | None:
    """A service another module provides, or None while that module does not exist yet."""
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name != module:
            raise
        return None
    return getattr(found, name, None)


def _run_in_transaction(module: str, name: str):
    service = _service(module, name)
    if service is None:
        log.info("%s.%s is not available; nothing to do", module, name)
        return None
    with _database().transaction() as session:
        result = service(session, utcnow())
    log.info("%s.%s: %s", module, name, result)
    return result


@app.task(name="partnerhub.deliver_outbox")
def deliver_outbox() -> dict:
    """Send the outbox messages that are due, batch after batch."""
    config = current_app.config
    with _database().sessionmaker() as session:
        report = deliver_due(
            session,
            transport_for(config["MAIL_URL"]),
            config["MAIL_FROM"],
            utcnow,
            DeliveryPolicy.from_config(config),
        )
    if report.handled:
        log.info("outbox delivery: %s", report)
    return asdict(report)


@app.task(name="partnerhub.sweep")
def sweep() -> None:
    """Queue the reminders and flags that are due now, then deliver them."""
    _run_in_transaction("partnerhub.notifications.reminders", "sweep")
    deliver_outbox.delay()


@app.task(name="partnerhub.extend_meeting_horizons")
def extend_meeting_horizons() -> None:
    """Materialize meeting occurrences a horizon ahead."""
    _run_in_transaction("partnerhub.meetings.services", "extend_horizons")
