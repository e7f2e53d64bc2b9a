"""Asking a worker to deliver the outbox now, rather than at beat's next minute.

The web never imports `worker/`: it sends the delivery task by its name, after the response
has gone out, so neither the broker's speed nor its absence shows in the answer. If the broker
cannot be reached the messages simply wait for the next scheduled delivery.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from celery import Celery
from flask import after_this_request, current_app
from kombu import Connection

log = logging.getLogger(__name__)

DELIVER_OUTBOX = "partnerhub.deliver_outbox"
# A delivery asked for and not started within a minute is overtaken by beat's own.
EXPIRES_SECONDS = 60
CONNECT_TIMEOUT_SECONDS = 1
# Celery's default queue, where the web sends the task and the worker takes it.
TASK_QUEUE = "celery"


@lru_cache(maxsize=4)
def _client(broker_url: str) -> Celery:
    """A Celery client that sends tasks only, and gives up at once if the broker is away."""
    client = Celery("partnerhub-web", broker=broker_url, set_as_current=False)
    options = {"max_retries": 0}
    if broker_url.startswith(("redis://", "rediss://")):
        options |= {
            "socket_connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "socket_timeout": CONNECT_TIMEOUT_SECONDS,
        }
    client.conf.update(
        broker_connection_timeout=CONNECT_TIMEOUT_SECONDS,
        broker_connection_retry=False,
        broker_transport_options=options,
    )
    return client


def ask_for_delivery(broker_url: str) -> bool:
    """Send the delivery task; False (and a log line) when the broker did not take it."""
    try:
        _client(broker_url).send_task(DELIVER_OUTBOX, retry=False, expires=EXPIRES_SECONDS)
    except Exception as error:  # any broker failure: beat's delivery sends the mail later
        log.warning("could not ask for outbox delivery now (%s); beat's next run sends it", error)
        return False
    return True


def deliver_soon() -> None:
    """Once this response has been sent, ask a worker to deliver the outbox."""
    broker_url = current_app.config["BROKER_URL"]

    @after_this_request
    def _after_sending(response):
        response.call_on_close(lambda: ask_for_delivery(broker_url))
        return response


def prepare_embedded_broker(broker_url: str) -> None:
    """Create the embedded broker's tables and task queue before the processes that use it
    start. Each process creates them on first use, and two doing so at once fail ("table
    kombu_queue already exists"): a request for delivery lost that way leaves the mail
    waiting a minute for beat."""
    if broker_url.startswith("sqla+"):
        with Connection(broker_url) as connection:
            connection.SimpleQueue(TASK_QUEUE).close()
