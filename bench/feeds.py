"""Calendar feed throughput on repeat requests: a feed with 10x the meetings against the 1x feed.

    .venv/bin/python bench/feeds.py [--seconds 5] [--rounds 2]

Builds two partnerships through the product's services: one with a monthly series (about 35
meetings over the last two years and the coming one), one with ten (about 350), and a private
feed URL of each. Starts gunicorn as `partnerhub up` does (one process, 8 threads), then runs
wrk on both feeds in alternating rounds (the best of each is kept, so a busy moment of the
machine does not decide the ratio):

- repeat requests: every request asks for the whole feed, as a program without a cache does;
- conditional requests: with the feed's ETag (If-None-Match), as calendar programs do: 304.

Prints requests per second of each and the ratio 10x / 1x; a feed that is built once per
change and served from then on keeps it near 1 (the goal is at least 0.8).

Runs on PostgreSQL when PARTNERHUB_BENCH_DATABASE_URL is set (that database is EMPTIED), else
on a temporary SQLite file.
"""

from __future__ import annotations

import os
import sys

# The repository root on the path, for `partnerhub` and `bench`, as the other benchmarks do.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import argparse
import re
import subprocess
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta

import sqlalchemy as sa

from bench.sweep import database_url
from partnerhub import create_app, migrate
from partnerhub.auth.models import User
from partnerhub.db import utcnow
from partnerhub.meetings.services import SeriesData, schedule_series, subscribe
from partnerhub.partnerships.models import Membership, Partnership, Role
from tests.conftest import free_port

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR")


def feed_with(session, owner: User, name: str, series: int, now: datetime) -> str:
    """A partnership with `series` monthly series from two years back; its feed's token."""
    partnership = Partnership(
        name=name, name_key=name.lower(), community="Bench", timezone="America/Denver"
    )
    session.add(partnership)
    session.flush()
    session.add(Membership(partnership_id=partnership.id, user_id=owner.id, role=Role.FACILITATOR))
    first = (now - timedelta(days=700)).date().replace(day=1)
    for n in range(series):
        rule = f"FREQ=MONTHLY;BYDAY=+{n % 4 + 1}{WEEKDAYS[n % len(WEEKDAYS)]}"
        data = SeriesData(
            f"Series {n}", rule, first, datetime(2000, 1, 1, 9 + n % 8).time(), 60, "Room 4"
        )
        schedule_series(session, owner, partnership, data, now)
    return subscribe(session, owner, partnership.id, now)


def build(app, now: datetime) -> tuple[str, str]:
    database = app.extensions["partnerhub.database"]
    with app.app_context(), database.transaction() as session:
        owner = User(email="owner@bench.example", name="Owner", timezone="UTC")
        session.add(owner)
        session.flush()
        return (
            feed_with(session, owner, "One series", 1, now),
            feed_with(session, owner, "Ten series", 10, now),
        )


def serve(url: str, folder: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "PARTNERHUB_DATABASE_URL": url,
        "PARTNERHUB_INSTANCE_PATH": folder,
        "PARTNERHUB_SECRET_KEY": "bench",
        "PARTNERHUB_BASE_URL": f"http://127.0.0.1:{port}",
    }
    command = [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--threads", "8", "partnerhub.wsgi:app",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def fetched(url: str) -> tuple[str, int]:
    """The feed's ETag and how many meetings it holds (the first request builds it)."""
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.headers["ETag"], response.read().count(b"BEGIN:VEVENT")


def wrk(url: str, seconds: int, *headers: str) -> float:
    """Requests per second wrk measures on `url` (2 threads, 8 connections)."""
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", *(a for h in headers for a in ("-H", h))]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx responses" in out:
        raise SystemExit(f"errors while measuring {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="partnerhub-bench-")
    url = database_url(folder)
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench"})
    now = utcnow()
    tokens = build(app, now)
    app.extensions["partnerhub.database"].dispose()

    port = free_port()
    server = serve(url, folder, port)
    try:
        feeds = {
            size: f"http://127.0.0.1:{port}/calendar/{token}.ics"
            for size, token in zip(("1x", "10x"), tokens, strict=True)
        }
        tags = {}
        for size, feed in feeds.items():
            tags[size], meetings = fetched(feed)
            print(f"{size} feed: {meetings} meetings")
        best = {}
        for _round in range(args.rounds):
            for size, feed in feeds.items():
                conditional = f"If-None-Match: {tags[size]}"
                for kind, headers in (("repeat", ()), ("conditional", (conditional,))):
                    rate = wrk(feed, args.seconds, *headers)
                    best[kind, size] = max(best.get((kind, size), 0.0), rate)
    finally:
        server.terminate()
        server.wait(timeout=10)
    backend = sa.make_url(url).get_backend_name()
    print(f"backend: {backend}; best of {args.rounds} rounds of {args.seconds} s each")
    for kind in ("repeat", "conditional"):
        one, ten = best[kind, "1x"], best[kind, "10x"]
        print(f"{kind:>11} requests: 1x {one:,.0f}/s, 10x {ten:,.0f}/s, 10x/1x {ten / one:.2f}")


if __name__ == "__main__":
    main()
