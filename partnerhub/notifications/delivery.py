"""Mail a person is waiting for (an invitation, a reset link) goes out right after the commit."""

from __future__ import annotations

from flask import current_app

from partnerhub.db import utcnow
from partnerhub.extensions import database
from partnerhub.notifications.outbox import deliver


def deliver_now(message_ids: list[int]) -> None:
    """Send these committed outbox messages now; the worker retries any that fail."""
    config = current_app.config
    deliver(database.session, message_ids, config["MAIL_URL"], config["MAIL_FROM"], utcnow())
