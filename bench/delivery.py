"""Outbox delivery throughput against a local aiosmtpd server, as a ratio to a bare smtplib loop.

    .venv/bin/python bench/delivery.py [--meetings 200] [--members 10] [--database-url URL]

A reminder sweep queues `--meetings` x `--members` meeting reminders; then, in the same process
and against the same server, in `--rounds` alternating rounds (the best time of each side is
kept, as timeit does, so a busy moment of the machine does not decide the ratio):

- the baseline writes every reminder beforehand (untimed) and times a bare smtplib loop,
  `smtplib.SMTP.send_message` over one reused connection;
- the measured run is the worker's `deliver_due` on the same reminders, queued again: claim a
  batch, write its reminders (rendered once per meeting), send them over one connection,
  commit each outcome as the server answers (one commit per message, not waiting for the
  disk).

The server's own logging is turned off: it is neither side's work, and on a busy machine its
writes only add noise.

The database is a temporary SQLite file unless --database-url names one (PostgreSQL: an empty
database, which is overwritten).
"""

from __future__ import annotations

import argparse
import logging
import smtplib
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from partnerhub import create_app, migrate
from partnerhub.auth.models import User
from partnerhub.db import utcnow
from partnerhub.meetings.models import Meeting, MeetingReminder
from partnerhub.notifications import sweep
from partnerhub.notifications.delivery import DeliveryPolicy, deliver_due, write_unwritten
from partnerhub.notifications.mailer import SMTPTransport
from partnerhub.notifications.models import OutboxMessage, OutboxStatus
from partnerhub.notifications.outbox import as_email
from partnerhub.partnerships.models import Membership, Partnership, Role
from tests.conftest import free_port

SENDER = "PartnerHub <partnerhub@example.org>"


class Counting:
    def __init__(self) -> None:
        self.accepted = 0

    async def handle_DATA(self, server, session, envelope):
        self.accepted += 1
        return "250 OK"


def populate(database, meetings: int, members: int) -> None:
    """One partnership of `members` members with `meetings` meetings starting within a day."""
    now = utcnow()
    with database.transaction() as session:
        partnership = Partnership(
            name="Bench", name_key="bench", community="Bench", timezone="America/Denver"
        )
        session.add(partnership)
        session.flush()
        for m in range(members):
            user = User(email=f"reader{m}@example.org", name=f"Reader {m}", timezone="UTC")
            session.add(user)
            session.flush()
            role = Role.FACILITATOR if m == 0 else Role.MEMBER
            session.add(
                Membership(partnership_id=partnership.id, user_id=user.id, role=role, joined_at=now)
            )
        for n in range(meetings):
            start = now + timedelta(hours=3, minutes=n)
            session.add(
                Meeting(
                    partnership_id=partnership.id,
                    title=f"Monthly partner review {n}",
                    starts_at=start,
                    ends_at=start + timedelta(minutes=90),
                    original_starts_at=start,
                    place="Helena High School, room 114",
                    reminder_offsets=[1440],
                )
            )


def requeue(database) -> None:
    """Put every reminder back as the sweep left it: pending and unwritten."""
    with database.transaction() as session:
        session.execute(
            sa.update(OutboxMessage).values(
                status=OutboxStatus.PENDING, attempts=0, sent_at=None,
                next_attempt_at=utcnow() - timedelta(1), subject=None, text_body=None,
                html_body=None, ics=None, headers=None,
            )
        )  # fmt: skip


def baseline(app, port: int) -> float:
    """Seconds for a bare smtplib loop over one connection to build and send the reminders,
    written beforehand."""
    database = app.extensions["partnerhub.database"]
    with app.app_context(), database.sessionmaker() as session:
        rows = session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        written = write_unwritten(session, rows, utcnow())
    started = time.perf_counter()
    connection = smtplib.SMTP("127.0.0.1", port)
    for row in rows:
        connection.send_message(as_email(row, SENDER, written[row.id]))
    connection.quit()
    return time.perf_counter() - started


def outbox_delivery(app, port: int, batch_size: int) -> tuple[float, int]:
    database = app.extensions["partnerhub.database"]
    policy = DeliveryPolicy(batch_size=batch_size)
    started = time.perf_counter()
    with app.app_context(), database.sessionmaker() as session:
        report = deliver_due(
            session, SMTPTransport(f"smtp://127.0.0.1:{port}"), SENDER, utcnow, policy, 10**6
        )
    return time.perf_counter() - started, report.sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=200)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-")
    url = args.database_url or f"sqlite:///{folder}/bench.sqlite"
    if args.database_url:
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    migrate.upgrade(url)
    app = create_app(
        {"DATABASE_URL": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench",
         "BASE_URL": "https://partnerhub.example"}
    )  # fmt: skip
    database = app.extensions["partnerhub.database"]
    populate(database, args.meetings, args.members)
    with app.app_context(), database.transaction() as session:
        queued = sweep(session, utcnow()).queued
    messages = args.meetings * args.members
    assert queued == messages, f"queued {queued} of {messages}"

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    handler, port = Counting(), free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    bare_times, measured_times = [], []
    try:
        for _ in range(args.rounds):
            requeue(database)
            bare_times.append(baseline(app, port))
            requeue(database)
            measured, sent = outbox_delivery(app, port, args.batch_size)
            assert sent == messages, f"delivered {sent} of {messages}"
            measured_times.append(measured)
    finally:
        server.stop()
        database.dispose()
    bare, measured = min(bare_times), min(measured_times)
    with database.sessionmaker() as session:
        reminders = session.scalar(sa.select(sa.func.count()).select_from(MeetingReminder))
    print(
        f"database: {database.engine.dialect.name}; {messages} meeting reminders "
        f"({reminders} meetings x {args.members} members), best of {args.rounds} rounds"
    )
    print(f"bare smtplib loop, one connection: {messages / bare:8.0f} messages/s")
    print(
        f"outbox delivery, batches of {args.batch_size} "
        f"(written as sent): {messages / measured:8.0f} messages/s"
    )
    print(f"ratio (outbox / bare): {bare / measured:.2f}")


if __name__ == "__main__":
    main()
