"""How long a reminder sweep takes over many meetings, against a trivial baseline in the same run.

    python bench/sweep.py [--meetings 100000] [--due 10000] [--members 10]

Builds `--meetings` meetings among partnerships of `--members` members each, of which `--due`
start within the next day (so each member is due their 1-day reminder, and the 7-day one is
recorded as skipped), then times:

- the sweep (record every due reminder and queue one outbox row per recipient, in one
  transaction; the delivery worker writes the emails later),
- a second sweep at the same moment (which must queue nothing),
- the baseline: inserting the same number of outbox rows, prepared in Python beforehand, in
  one transaction (executemany): the plain way of writing them.

Runs on PostgreSQL when PARTNERHUB_BENCH_DATABASE_URL is set (that database is EMPTIED), else
on a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from partnerhub import create_app, migrate
from partnerhub.auth.models import User
from partnerhub.meetings.models import Meeting
from partnerhub.notifications import sweep
from partnerhub.notifications.models import OutboxMessage, OutboxStatus
from partnerhub.partnerships.models import Membership, Partnership, Role

NOW = datetime(2027, 3, 2, 12, 0, tzinfo=UTC)
ZONES = ("America/Denver", "America/New_York", "America/Los_Angeles", "Europe/Berlin")


def database_url(folder: str) -> str:
    url = os.environ.get("PARTNERHUB_BENCH_DATABASE_URL")
    if not url:
        return f"sqlite:///{folder}/bench.sqlite"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


def populate(engine, meetings: int, due: int, members: int) -> int:
    """Partnerships with `members` members each and their meetings; returns reminders due."""
    per_partnership = 100
    partnerships = max(1, meetings // per_partnership)
    due_per_partnership = max(1, due // partnerships)
    with engine.begin() as connection:
        connection.execute(
            sa.insert(Partnership),
            [
                {
                    "name": f"Partnership {p}",
                    "name_key": f"partnership {p}",
                    "community": "Bench",
                    "timezone": ZONES[p % len(ZONES)],
                }
                for p in range(partnerships)
            ],
        )
        partnership_ids = list(connection.scalars(sa.select(Partnership.id)))
        connection.execute(
            sa.insert(User),
            [
                {"email": f"u{p}.{m}@bench.example", "name": f"Member {p}.{m}", "timezone": "UTC"}
                for p in range(partnerships)
                for m in range(members)
            ],
        )
        user_ids = list(connection.scalars(sa.select(User.id).order_by(User.id)))
        connection.execute(
            sa.insert(Membership),
            [
                {
                    "partnership_id": pid,
                    "user_id": user_ids[i * members + m],
                    "role": Role.FACILITATOR if m == 0 else Role.MEMBER,
                    "joined_at": NOW,
                }
                for i, pid in enumerate(partnership_ids)
                for m in range(members)
            ],
        )
        rows, queued = [], 0
        for pid in partnership_ids:
            for n in range(per_partnership):
                if n < due_per_partnership:  # starts within the next day
                    start = NOW + timedelta(hours=2) + timedelta(minutes=n)
                    queued += members
                else:  # spread over the coming and past years
                    start = NOW + timedelta(days=40 + 3 * n) * (1 if n % 2 else -1)
                rows.append(
                    {
                        "partnership_id": pid,
                        "title": "Monthly partner review",
                        "starts_at": start,
                        "ends_at": start + timedelta(minutes=90),
                        "original_starts_at": start,
                        "place": "Room 114",
                    }
                )
        for first in range(0, len(rows), 10_000):
            connection.execute(sa.insert(Meeting), rows[first : first + 10_000])
    if engine.dialect.name == "postgresql":  # statistics, as autovacuum keeps them in production
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("ANALYZE"))
    return queued


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def run_sweep(app):
    database = app.extensions["partnerhub.database"]
    with app.app_context(), database.transaction() as session:
        return sweep(session, NOW)


def baseline(app, count: int) -> None:
    """Insert `count` outbox rows like the sweep's, prepared in advance."""
    database = app.extensions["partnerhub.database"]
    rows = [
        {
            "idempotency_key": f"baseline:{n}",
            "kind": "baseline",
            "recipient": f"u{n}@bench.example",
            "about": "meeting:1",
            "status": OutboxStatus.CANCELLED,
            "attempts": 0,
            "created_at": NOW,
            "next_attempt_at": NOW,
        }
        for n in range(count)
    ]

    def insert():
        with database.engine.begin() as connection:
            for first in range(0, len(rows), 5000):
                connection.execute(sa.insert(OutboxMessage), rows[first : first + 5000])

    return insert


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=10)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="partnerhub-bench-")
    url = database_url(folder)
    migrate.upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": folder,
            "SECRET_KEY": "bench",
            "BASE_URL": "https://partnerhub.example",
        }
    )
    engine = app.extensions["partnerhub.database"].engine
    populate_seconds, expected = timed(
        lambda: populate(engine, args.meetings, args.due, args.members)
    )
    sweep_seconds, report = timed(lambda: run_sweep(app))
    again_seconds, again = timed(lambda: run_sweep(app))
    baseline_seconds, _ = timed(baseline(app, report.queued))
    backend = engine.dialect.name
    print(f"backend: {backend}; {args.meetings} meetings, {args.due} due, {args.members} members")
    print(f"populated in {populate_seconds:.1f} s")
    print(f"sweep: {report}")
    print(
        f"  {sweep_seconds:.2f} s for {report.queued} reminders "
        f"({report.queued / sweep_seconds:,.0f} per second); expected {expected}"
    )
    print(f"second sweep: {again_seconds:.2f} s, queued {again.queued}")
    print(f"baseline (insert {report.queued} prepared rows): {baseline_seconds:.2f} s")
    print(f"ratio sweep / baseline: {sweep_seconds / baseline_seconds:.1f}")
    assert report.queued == expected and again.queued == 0
    app.extensions["partnerhub.database"].dispose()


if __name__ == "__main__":
    main()
