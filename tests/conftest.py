"""Fixtures: an app on a real database, a client, logins, factories, mail and a browser.

The suite runs on SQLite by default. With PARTNERHUB_TEST_DATABASE_URL (PostgreSQL) and
PARTNERHUB_TEST_REDIS_URL set, the same tests run against those services; with
PARTNERHUB_TEST_NO_SKIPS=1 (set by CI) any skipped test fails the run.

Every test runs at tests.clock.NOW: the `clock` fixture freezes this process there (the app
included), whatever the machine's clock says. Tests take "now" from NOW and the partnership's
date from tests.clock.today_in / TODAY, never from the wall clock (test_clock_reads.py checks).
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient

from partnerhub import create_app, migrate
from partnerhub.auth.services import start_session
from partnerhub.db import Database
from partnerhub.models import metadata
from partnerhub.notifications.delivery import DeliveryPolicy, DeliveryReport, deliver_due
from partnerhub.notifications.mailer import transport_for
from tests.clock import NOW
from tests.factories import Factory
from tests.world import build_world

POSTGRES_URL = os.environ.get("PARTNERHUB_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("PARTNERHUB_TEST_REDIS_URL")
NO_SKIPS = os.environ.get("PARTNERHUB_TEST_NO_SKIPS") == "1"


# --- time -------------------------------------------------------------------------------

if "libfaketime" in os.environ.get("LD_PRELOAD", ""):
    # CI's hostile-clock pass runs under libfaketime with monotonic clocks left real (faked,
    # they make timed waits never end). There time.sleep fails with EINVAL (its absolute
    # CLOCK_MONOTONIC deadline is mistranslated) while a timed wait works, so this process,
    # and the standard library in it (subprocess waits), sleeps by waiting.
    def _sleep(seconds: float) -> None:
        threading.Event().wait(seconds)

    time.sleep = _sleep


def clock_time(clock) -> datetime:
    """Where the test's clock stands (NOW, unless the test moved it)."""
    return datetime.fromtimestamp(clock.time_ns() / 1e9, UTC)


@pytest.fixture(autouse=True)
def clock():
    """This process stands still at NOW for the whole test; `clock.shift(timedelta)` moves it.

    Code that waits on the wall clock would wait for ever on a clock that stands still: a
    fixture that starts such code lets the clock run on from NOW (`clock.move_to(NOW,
    tick=True)`), as `live_server` does.
    """
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


# --- database ---------------------------------------------------------------------------


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """A database whose schema was built by the migrations, once per run."""
    if POSTGRES_URL:
        _reset_postgres(POSTGRES_URL)
        url = POSTGRES_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    migrate.upgrade(url)
    return url


def _empty_tables(database: Database) -> None:
    tables = [t.name for t in metadata.sorted_tables]
    with database.engine.begin() as connection:
        if database.engine.dialect.name == "postgresql":
            # DELETE on a few small tables is far quicker than TRUNCATE; foreign-key triggers
            # are switched off for this transaction so the order does not matter.
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            for name in reversed(tables):
                connection.exec_driver_sql(f'DELETE FROM "{name}"')
        else:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for name in reversed(tables):
                connection.exec_driver_sql(f'DELETE FROM "{name}"')
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")


class Client(FlaskClient):
    """The test client, with cookies read and set on the app's own host (SERVER_NAME, from
    the public URL) rather than werkzeug's default "localhost"."""

    def get_cookie(self, key, domain=None, path="/"):
        return super().get_cookie(key, domain or self._host(), path)

    def set_cookie(self, key, value="", *args, domain=None, **kwargs):
        super().set_cookie(key, value, *args, domain=domain or self._host(), **kwargs)

    def delete_cookie(self, key, *args, domain=None, **kwargs):
        super().delete_cookie(key, *args, domain=domain or self._host(), **kwargs)

    def _host(self) -> str:
        return (self.application.config["SERVER_NAME"] or "localhost").split(":")[0]


@pytest.fixture
def app(request, database_url, tmp_path):
    """The web app on the test database; every table is emptied after the test."""
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test secret key",
        "WTF_CSRF_ENABLED": False,
        "MAIL_URL": f"file://{tmp_path / 'mail'}",
        "BASE_URL": "http://partnerhub.test",
        # Most tests log admins in with a password alone; tests/auth/test_second_factor.py
        # turns the requirement on.
        "REQUIRE_2FA_FOR_ADMINS": False,
    }
    if "smtp" in request.fixturenames:
        config["MAIL_URL"] = request.getfixturevalue("smtp").url
    app = create_app(config)
    app.test_client_class = Client
    yield app
    database = app.extensions["partnerhub.database"]
    _empty_tables(database)
    database.dispose()


@pytest.fixture
def db(app):
    """A session on the app's database, for arranging and checking data."""
    session = app.extensions["partnerhub.database"].sessionmaker()
    yield session
    session.close()


@pytest.fixture
def make(db) -> Factory:
    return Factory(db)


@pytest.fixture
def world(make, db):
    """One partnership with a person in every role, an outsider and a site admin
    (tests/world.py)."""
    built = build_world(make)
    db.commit()
    return built


@pytest.fixture
def base(world):
    """The URL prefix of the world partnership's pages."""
    return f"/partnerships/{world.partnership.id}"


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login_as(client, db, clock):
    """Log the test client in as `user` (a real server-side login session), where the test's
    clock stands."""

    def login(user):
        token = start_session(db, user, clock_time(clock), remember=False)
        db.commit()
        with client.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True
        return client

    return login


@pytest.fixture
def count_queries(app):
    """`with count_queries() as queries:` collects the SQL statements run inside the block."""

    @contextmanager
    def counting():
        statements: list[str] = []
        engine = app.extensions["partnerhub.database"].engine

        def record(_conn, _cursor, statement, *_args):
            statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)

    return counting


# --- mail -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """An aiosmtpd handler that keeps every accepted message; tests can set its reply."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []
        self.reply: str | None = None  # e.g. "451 try later" or "550 no such user"
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.reply:
            return self.reply
        with self.lock:
            self.envelopes.append(envelope)
            self.messages.append(
                email.message_from_bytes(envelope.content, policy=email.policy.default)
            )
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.url = f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self):
        return self.handler.messages


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) in the test process; the app sends mail to it."""
    server = SMTPServer()
    server.controller.start()
    yield server
    server.controller.stop()


@pytest.fixture
def mailbox(app):
    """The messages the file mail transport wrote, parsed, oldest first."""

    def read():
        folder = Path(app.config["MAIL_URL"].removeprefix("file://"))
        if not folder.exists():
            return []
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(folder.glob("*.eml"))
        ]

    return read


@pytest.fixture
def deliver_outbox(app, clock):
    """Deliver what the outbox holds, as a worker does after a request; returns its report.

    Account mail carries links whose expiry the app checks against its own clock, so delivery
    runs where the test's clock stands unless a test gives a time.
    """

    def run(now=None) -> DeliveryReport:
        database = app.extensions["partnerhub.database"]
        with app.app_context(), database.sessionmaker() as session:
            return deliver_due(
                session,
                transport_for(app.config["MAIL_URL"]),
                app.config["MAIL_FROM"],
                (lambda: now) if now else (lambda: clock_time(clock)),
                DeliveryPolicy.from_config(app.config),
            )

    return run


# --- browser ----------------------------------------------------------------------------


def chromium_path() -> str | None:
    return (
        os.environ.get("PARTNERHUB_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


class LiveServer:
    """The app served over HTTP on a fixed free port, in a background thread.

    `stop()` closes the port, so the browser's requests are refused as when a server is down;
    `start()` serves again on the same port (tests of what a page does while it is offline).
    """

    def __init__(self, app) -> None:
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        from werkzeug.serving import make_server

        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server(app, clock):
    """The app served over HTTP on a free port, with CSRF on, in a background thread
    (a LiveServer: it can be stopped and started again).

    The clock runs on from NOW: the server and the browser wait on it.
    """
    clock.move_to(NOW, tick=True)
    app.config["WTF_CSRF_ENABLED"] = True
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


def without_faketime(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` without libfaketime, under which Chromium never finishes loading a page.

    CI runs the suite under Debian's faketime. The browser only shows what the live server
    sends, and the server keeps the test clock, so the browser may keep the machine's.
    """
    env = {k: v for k, v in environ.items() if not k.startswith("FAKETIME")}
    preload = [lib for lib in re.split(r"[\s:]+", env.pop("LD_PRELOAD", "")) if lib]
    kept = [lib for lib in preload if "libfaketime" not in lib]
    if kept:
        env["LD_PRELOAD"] = " ".join(kept)
    return env


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if not path:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path,
            env=without_faketime(os.environ),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab; `page.goto('/path')` is relative to the live server."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def browser_login(page):
    """Log a user in through the real login form."""
    from tests.factories import PASSWORD

    def login(user):
        page.goto("/login")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/")
        return page

    return login


class Dialogs:
    """The questions the page asks with `confirm()`: each next one refused or accepted as the
    test says, and every one asked kept in `questions`."""

    def __init__(self, page) -> None:
        self.page = page
        self.questions: list[str] = []

    def answer_next(self, *, accept: bool) -> None:
        def answer(dialog) -> None:
            self.questions.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        self.page.once("dialog", answer)


@pytest.fixture
def dialogs(page):
    return Dialogs(page)


# --- services ---------------------------------------------------------------------------


@pytest.fixture
def redis_url():
    if not REDIS_URL:
        pytest.skip("set PARTNERHUB_TEST_REDIS_URL to run against Redis")
    return REDIS_URL


@pytest.fixture
def postgres_url():
    if not POSTGRES_URL:
        pytest.skip("set PARTNERHUB_TEST_DATABASE_URL to run against PostgreSQL")
    return POSTGRES_URL


# --- CI: nothing may be skipped ----------------------------------------------------------

_skipped: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped and NO_SKIPS:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if NO_SKIPS and _skipped:
        print(f"\nPARTNERHUB_TEST_NO_SKIPS: {len(_skipped)} tests were skipped:")
        for nodeid in _skipped:
            print(f"  {nodeid}")
        session.exitstatus = 1
