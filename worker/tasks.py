"""Thin task wrappers over partnerhub services, under stable names."""

from __future__ import annotations

import logging
from dataclasses import asdict

from flask import current_app

from partnerhub.db import utcnow
from partnerhub.meetings import services as meetings
from partnerhub.notifications.delivery import DeliveryPolicy, deliver_due
from partnerhub.notifications.mailer import transport_for
from partnerhub.notifications.sweep import sweep as sweep_reminders
from worker import app

log = logging.getLogger(__name__)


def _database():
    return current_app.extensions["partnerhub.database"]


def _run_in_transaction(service) -> object:
    """Run `service(session, now)` in one transaction and log what it did."""
    with _database().transaction() as session:
        result = service(session, utcnow())
    log.info("%s.%s: %s", service.__module__, service.__name__, result)
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
    _run_in_transaction(sweep_reminders)
    deliver_outbox.delay()


@app.task(name="partnerhub.extend_meeting_horizons")
def extend_meeting_horizons() -> None:
    """Materialize meeting occurrences a horizon ahead."""
    _run_in_transaction(meetings.extend_horizons)
