"""Throughput, latency and SQL queries of the main pages, as ratios to a yardstick page.

    .venv/bin/python bench/pages.py [--database-url URL] [--scales 1,10] [--seconds 4]
                                    [--write docs/performance.md]

For each data size (`--scales`; 1 is the demo, N is N large partnerships, see bench/data.py)
it builds the data through the product's services, counts each page's SQL statements in
process, then starts gunicorn (2 sync workers, `bench.app:app`), logs in and loads every page
with wrk (`-t2 -c8`, `--seconds` each, after a short warm-up), each page between two runs of
the yardstick page (the logged-in user and the base layout with one heading). It prints, per
page: requests per second, the ratio to the mean of the yardstick runs just before and just
after it (the machine's speed drifts over the minutes a run takes, and a page drifts with the
yardstick around it), p50 and p99 latency, and the queries; then each page's throughput at
N x as a share of its 1x throughput, plainly and in yardsticks (on a shared machine the load
can change between the two sizes' runs).

The database is PostgreSQL when `--database-url` or PARTNERHUB_BENCH_DATABASE_URL names one
(it is EMPTIED for each size), else a temporary SQLite file. Needs `wrk` on the PATH.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import data  # noqa: E402
from bench.app import create_bench_app  # noqa: E402
from partnerhub import migrate  # noqa: E402
from partnerhub.extensions import database  # noqa: E402

NOW = datetime(2027, 3, 2, 17, 0, tzinfo=UTC)
WORKERS = 2
CONNECTIONS = 8


@dataclass
class Result:
    page: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    queries: int | None
    # the yardstick's throughput the page is compared with: the mean of its runs just before
    # and just after the page
    reference: float

    @property
    def in_yardsticks(self) -> float:
        return self.requests_per_second / self.reference


# --- the database and the data ---------------------------------------------------------------


def empty_database(url: str | None, folder: str, scale: int) -> str:
    """An empty, migrated database for one data size."""
    if not url:
        url = f"sqlite:///{folder}/bench-{scale}.sqlite"
    else:
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    migrate.upgrade(url)
    return url


def build_data(app, scale: int) -> data.BenchData:
    """The data of one size, and the database's statistics of it."""
    with app.app_context():
        built = data.build(database.session, scale, NOW)
        # as autovacuum would have by then: planned on the empty tables' statistics, the
        # overview's agreements took 140 ms instead of 16 at 100x
        database.session.execute(sa.text("ANALYZE"))
        database.session.commit()
    return built


def settings(url: str, folder: str, base_url: str) -> dict:
    return {
        "DATABASE_URL": url,
        "INSTANCE_PATH": folder,
        "SECRET_KEY": "bench-pages",
        "BASE_URL": base_url,
        "RATELIMIT_ENABLED": False,
    }


def pages(app, built: data.BenchData) -> dict[str, str]:
    """Each measured page's path, for the partnership the benchmark shows."""
    from partnerhub.agreements.models import Agreement
    from partnerhub.auth.models import User
    from partnerhub.meetings import services as meetings
    from partnerhub.meetings.models import Meeting, MeetingStatus
    from partnerhub.procedures.models import Procedure

    pid = built.partnership_id
    with app.app_context():
        session = database.session
        meeting = session.scalar(
            sa.select(Meeting.id)
            .where(Meeting.partnership_id == pid, Meeting.status == MeetingStatus.HELD)
            .order_by(Meeting.starts_at.desc())
        )
        upcoming = session.scalar(
            sa.select(Meeting.id)
            .where(Meeting.partnership_id == pid, Meeting.status == MeetingStatus.SCHEDULED)
            .where(Meeting.starts_at > NOW)
            .order_by(Meeting.starts_at)
        )
        procedure = session.scalar(
            sa.select(Procedure.id).where(Procedure.partnership_id == pid).order_by(Procedure.id)
        )
        agreement = session.scalar(
            sa.select(Agreement.id).where(Agreement.partnership_id == pid).order_by(Agreement.id)
        )
        user = session.scalar(sa.select(User).where(User.email == built.email))
        token = meetings.subscribe(session, user, None, NOW)
        session.commit()
    base = f"/partnerships/{pid}"
    return {
        "yardstick": "/bench/yardstick",
        "bare ok": "/bench/ok",
        "dashboard": "/",
        "overview": base,
        "agencies": f"{base}/agencies",
        "roster": f"{base}/roster",
        "meetings": f"{base}/meetings",
        "one meeting": f"{base}/meetings/{meeting}",
        "meeting mode": f"{base}/meetings/{upcoming}/run",
        "procedures": f"{base}/procedures",
        "one procedure": f"{base}/procedures/{procedure}",
        "sharing matrix": f"{base}/matrix",
        "agreements": f"{base}/agreements",
        "one agreement": f"{base}/agreements/{agreement}",
        "flags": f"{base}/flags",
        "activity": f"{base}/activity",
        "action items": f"{base}/action-items",
        "annual report": f"{base}/report",
        "waiting for me": "/waiting",
        "calendar feed": f"/calendar/{token}.ics",
    }


# --- logging in ------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def login_form(email: str, password: str, page: str) -> dict:
    return {"csrf_token": CSRF.search(page).group(1), "email": email, "password": password}


def count_queries(app, built: data.BenchData, paths: dict[str, str]) -> dict[str, int]:
    """Each page's SQL statements, on its second request (the first warms what it caches)."""
    engine = app.extensions["partnerhub.database"].engine
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data=login_form(built.email, built.password, page))
    counts = {}
    for name, path in paths.items():
        client.get(path)
        statements: list[str] = []

        def record(_conn, _cursor, statement, *_args, statements=statements):
            statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            response = client.get(path)
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        if response.status_code != 200:
            raise SystemExit(f"{name} ({path}) answered {response.status_code}")
        counts[name] = len(statements)
    return counts


def http_login(base_url: str, built: data.BenchData) -> str:
    """Log in over HTTP; the Cookie header that carries the login."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base_url}/login").read().decode()
    form = urllib.parse.urlencode(login_form(built.email, built.password, page)).encode()
    opener.open(f"{base_url}/login", form).read()
    if not any(cookie.name == "session" for cookie in jar):
        raise SystemExit("logging in over HTTP set no session cookie")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


# --- the server and the load ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(url: str, folder: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "PARTNERHUB_DATABASE_URL": url,
        "PARTNERHUB_INSTANCE_PATH": folder,
        "PARTNERHUB_SECRET_KEY": "bench-pages",
        "PARTNERHUB_BASE_URL": f"http://127.0.0.1:{port}",
        "PYTHONPATH": str(ROOT),
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(WORKERS),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--chdir",
        str(ROOT),
        "bench.app:app",
    ]
    server = subprocess.Popen(command, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/ok", timeout=2).read()
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit("gunicorn exited before answering") from None
            time.sleep(0.2)
    stop(server)
    raise SystemExit("gunicorn did not answer within a minute")


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def wrk(url: str, cookie: str, seconds: float) -> tuple[float, float, float, int]:
    """Requests per second, p50 and p99 in ms, and non-2xx responses, from one wrk run."""
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{seconds:g}s",
            "--latency",
            "--timeout",
            "30s",
            "-H",
            f"Cookie: {cookie}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = latency_ms(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = latency_ms(re.search(r"\s99%\s+(\S+)", output).group(1))
    failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    timeouts = re.search(r"timeout (\d+)", output)
    return rate, p50, p99, sum(int(m.group(1)) for m in (failed, timeouts) if m)


def require_page(base_url: str, path: str, cookie: str) -> None:
    """The page itself answers (wrk would count a redirect to the login page as a success)."""
    address = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    connection.request("GET", path, headers={"Cookie": cookie})
    status = connection.getresponse().status
    connection.close()
    if status != 200:
        raise SystemExit(f"{path} answered {status} over HTTP")


def latency_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def measure(base_url: str, cookie: str, paths: dict, counts: dict, seconds: float) -> list:
    """Every page, each between two runs of the yardstick (shared with the next page) and
    compared with their mean: on a shared machine the speed drifts over the minutes a size
    takes, and a page drifts with the yardstick measured around it."""
    yardstick = base_url + paths["yardstick"]
    wrk(yardstick, cookie, 1)  # warm-up: both workers load what they cache
    runs = [wrk(yardstick, cookie, seconds)]
    results = []
    for name, path in paths.items():
        if name == "yardstick":
            continue
        require_page(base_url, path, cookie)
        wrk(base_url + path, cookie, 1)
        rate, p50, p99, failed = wrk(base_url + path, cookie, seconds)
        if failed:
            raise SystemExit(f"{name} ({path}): {failed} responses failed or timed out")
        runs.append(wrk(yardstick, cookie, seconds))
        reference = (runs[-2][0] + runs[-1][0]) / 2
        result = Result(name, rate, p50, p99, counts.get(name), reference)
        results.append(result)
        print(
            f"  {name:15} {rate:8.0f} req/s  {result.in_yardsticks:5.2f} x the yardstick around it"
            f"  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms",
            flush=True,
        )
    rates = [run[0] for run in runs]
    print(f"  yardstick: {len(runs)} runs, {min(rates):.0f}-{max(rates):.0f} req/s")
    mean = sum(rates) / len(rates)
    p50, p99 = (sum(run[i] for run in runs) / len(runs) for i in (1, 2))
    return [Result("yardstick", mean, p50, p99, counts.get("yardstick"), mean), *results]


# --- one data size -----------------------------------------------------------------------------


def run_scale(scale: int, url: str | None, seconds: float) -> list[Result]:
    folder = tempfile.mkdtemp(prefix="partnerhub-pages-")
    try:
        database_url = empty_database(url, folder, scale)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        app = create_bench_app(settings(database_url, folder, base_url))
        started = time.monotonic()
        built = build_data(app, scale)
        print(f"{scale}x: data built in {time.monotonic() - started:.0f} s", flush=True)
        paths = pages(app, built)
        counts = count_queries(app, built, paths)
        app.extensions["partnerhub.database"].engine.dispose()
        server = start_gunicorn(database_url, folder, port)
        try:
            return measure(base_url, http_login(base_url, built), paths, counts, seconds)
        finally:
            stop(server)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- the report ---------------------------------------------------------------------------------


def table(scales: list[int], runs: dict[int, list[Result]]) -> str:
    """A Markdown table: per page and size, req/s, x yardstick, p50/p99, queries; N x / 1 x."""
    head = ["page"]
    for scale in scales:
        head += [f"{scale}x req/s", f"{scale}x ÷ yardstick", f"{scale}x p50/p99 ms"]
    head += [f"queries {'/'.join(f'{s}x' for s in scales)}"]
    head += [f"{s}x / {scales[0]}x" for s in scales[1:]]
    head += [f"{s}x / {scales[0]}x, in yardsticks" for s in scales[1:]]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for index, first in enumerate(runs[scales[0]]):
        cells = [first.page]
        for scale in scales:
            result = runs[scale][index]
            cells += [
                f"{result.requests_per_second:.0f}",
                f"{result.in_yardsticks:.2f}",
                f"{result.p50_ms:.1f} / {result.p99_ms:.1f}",
            ]
        cells.append("/".join(str(runs[s][index].queries) for s in scales))
        cells += [
            f"{runs[s][index].requests_per_second / first.requests_per_second:.2f}"
            for s in scales[1:]
        ]
        # The same ratio with each size's throughput taken relative to the yardstick around
        # it: what remains when the machine's load changed between the sizes' runs.
        cells += [f"{runs[s][index].in_yardsticks / first.in_yardsticks:.2f}" for s in scales[1:]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_results(path: Path, text: str) -> None:
    """Replace the generated block of the performance page (between its markers)."""
    begin, end = "<!-- bench/pages.py results -->", "<!-- end of results -->"
    page = path.read_text() if path.exists() else f"{begin}\n{end}\n"
    before, _, rest = page.partition(begin)
    _, _, after = rest.partition(end)
    path.write_text(f"{before}{begin}\n{text}\n{end}{after}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("PARTNERHUB_BENCH_DATABASE_URL"))
    parser.add_argument("--scales", default="1,10", help="data sizes, e.g. 1,10,100")
    parser.add_argument("--seconds", type=int, default=4, help="wrk duration per run")
    parser.add_argument("--write", type=Path, help="put the table into this Markdown file")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    scales = [int(s) for s in args.scales.split(",")]
    started = time.monotonic()
    runs = {}
    for scale in scales:
        runs[scale] = run_scale(scale, args.database_url, args.seconds)
    backend = "PostgreSQL" if args.database_url else "SQLite"
    summary = (
        f"{backend}, gunicorn {WORKERS} sync workers, wrk -t2 -c{CONNECTIONS} "
        f"{args.seconds:g} s per page, {os.cpu_count()} CPUs; "
        f"run took {(time.monotonic() - started) / 60:.1f} min.\n\n" + table(scales, runs)
    )
    print(summary)
    if args.write:
        write_results(args.write, summary)


if __name__ == "__main__":
    main()
