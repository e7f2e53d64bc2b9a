"""Outbox delivery throughput against a local aiosmtpd server, as a ratio to a bare smtplib loop.

    .venv/bin/python bench/delivery.py [--messages 2000] [--database-url URL]

Both runs build and send the same messages to the same server in the same process: the baseline is
`smtplib.SMTP.send_message` over one reused connection; the measured run is the worker's
`deliver_due` (claim a batch, send over one connection, commit each outcome). The database is a
temporary SQLite file unless --database-url names one (PostgreSQL: an empty database).
"""

from __future__ import annotations

import argparse
import smtplib
import sys
import tempfile
import time
from pathlib import Path

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from partnerhub import migrate
from partnerhub.db import Database, utcnow
from partnerhub.notifications.delivery import DeliveryPolicy, deliver_due
from partnerhub.notifications.mailer import SMTPTransport
from partnerhub.notifications.models import OutboxMessage
from partnerhub.notifications.outbox import as_email, queue_email
from tests.conftest import free_port

SENDER = "PartnerHub <partnerhub@example.org>"


class Counting:
    def __init__(self) -> None:
        self.accepted = 0

    async def handle_DATA(self, server, session, envelope):
        self.accepted += 1
        return "250 OK"


def queue(database: Database, count: int, run: str) -> None:
    now = utcnow()
    with database.transaction() as session:
        for n in range(count):
            queue_email(
                session, key=f"bench:{run}:{n}", kind="bench", to=f"reader{n}@example.org",
                subject=f"Meeting reminder {n}", text="The monthly review is on Tuesday. " * 20,
                html="<p>The monthly review is on Tuesday.</p>" * 20, now=now,
            )  # fmt: skip


def baseline(database: Database, port: int) -> float:
    """Seconds for a bare smtplib loop over one connection to build and send the messages."""
    with database.sessionmaker() as session:
        rows = session.query(OutboxMessage).all()
    started = time.perf_counter()
    connection = smtplib.SMTP("127.0.0.1", port)
    for row in rows:
        connection.send_message(as_email(row, SENDER))
    connection.quit()
    return time.perf_counter() - started


def outbox_delivery(database: Database, port: int, batch_size: int) -> tuple[float, int]:
    policy = DeliveryPolicy(batch_size=batch_size)
    started = time.perf_counter()
    with database.sessionmaker() as session:
        report = deliver_due(
            session, SMTPTransport(f"smtp://127.0.0.1:{port}"), SENDER, utcnow, policy, 10**6
        )
    return time.perf_counter() - started, report.sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/bench.sqlite"
    migrate.upgrade(url)
    database = Database(url)

    handler, port = Counting(), free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        queue(database, args.messages, f"{time.time_ns()}")
        bare = baseline(database, port)
        measured, sent = outbox_delivery(database, port, args.batch_size)
    finally:
        server.stop()
        database.dispose()
    assert sent == args.messages, f"delivered {sent} of {args.messages}"
    print(f"database: {database.engine.dialect.name}, {args.messages} messages")
    print(f"bare smtplib loop, one connection: {args.messages / bare:8.0f} messages/s")
    print(
        f"outbox delivery, batches of {args.batch_size}: {args.messages / measured:8.0f} messages/s"
    )
    print(f"ratio (outbox / bare): {bare / measured:.2f}")


if __name__ == "__main__":
    main()
