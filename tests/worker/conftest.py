"""Real Celery worker processes, a private Redis, and a slow SMTP server for the worker tests."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery

from tests.conftest import RecordingHandler, SMTPServer, free_port, without_faketime

PROJECT = Path(__file__).resolve().parents[2]


def wait_for(
    condition, timeout: float = 30, interval: float = 0.2, what: str = "condition", story=None
):
    """Poll until `condition()` is truthy; its value, or a failure after `timeout` seconds
    that tells `story()` (say, what the processes waited on printed meanwhile)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(interval)
    told = f"\n{story()}" if story else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}{told}")


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without PARTNERHUB_* settings, plus `settings`.

    Without libfaketime too: under it, Celery's children of `partnerhub up` do not stop on
    Ctrl-C. These processes work on data made at NOW, which is past on any clock; the hour is
    tested in this process, where the product's code runs at the test clock.
    """
    env = {k: v for k, v in without_faketime(os.environ).items() if not k.startswith("PARTNERHUB_")}
    env.update(settings, PYTHONUNBUFFERED="1")
    return env


class SlowHandler(RecordingHandler):
    """Takes `delay` seconds to accept each message, so a batch is still going when we kill."""

    delay = 0.0

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp():
    server = SMTPServer()
    server.controller.handler = server.handler = SlowHandler()
    server.controller.start()
    yield server
    server.controller.stop()


class Workers:
    """Starts `celery -A worker worker` processes and sends them tasks through the broker."""

    def __init__(self, env: dict[str, str], broker_url: str, logs: Path) -> None:
        self.env = env
        self.broker_url = broker_url
        self.logs = logs
        self.running: list[subprocess.Popen] = []
        self.client = Celery("tests", broker=broker_url)

    def start(self, name: str) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "worker", "worker", "--pool", "solo",
             "-n", f"{name}@%h", "--loglevel", "info",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=PROJECT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.running.append(process)
        wait_for(lambda: b" ready." in self.log_of(name), 60, what=f"worker {name} to start")
        return process

    def log_of(self, name: str) -> bytes:
        path = self.logs / f"{name}.log"
        return path.read_bytes() if path.exists() else b""

    def deliver(self) -> None:
        self.client.send_task("partnerhub.deliver_outbox")

    def kill(self, process: subprocess.Popen) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.terminate()
        for process in self.running:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.client.close()


def worker_env(app, mail_url: str, broker_url: str, instance: Path, **settings) -> dict[str, str]:
    defaults = {
        "PARTNERHUB_DATABASE_URL": app.config["DATABASE_URL"],
        "PARTNERHUB_BROKER_URL": broker_url,
        "PARTNERHUB_MAIL_URL": mail_url,
        "PARTNERHUB_INSTANCE_PATH": str(instance),
        "PARTNERHUB_SECRET_KEY": "worker test secret",
        "PARTNERHUB_OUTBOX_RETRY_SECONDS": "1",
        "PARTNERHUB_OUTBOX_LEASE_SECONDS": "3",
        "PARTNERHUB_OUTBOX_BATCH_SIZE": "5",
    }
    return clean_env(**{**defaults, **settings})


def _empty_redis_db(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


@pytest.fixture
def workers_for(app, tmp_path):
    """`workers_for(smtp, broker_url, **settings)`: Workers delivering to that SMTP server via
    that broker, with PARTNERHUB_* `settings` of the test's own."""
    started: list[Workers] = []

    def build(smtp, broker_url: str, **settings: str) -> Workers:
        workers = Workers(
            worker_env(app, smtp.url, broker_url, tmp_path / "worker-instance", **settings),
            broker_url,
            tmp_path,
        )
        started.append(workers)
        return workers

    yield build
    for workers in started:
        workers.stop_all()


@pytest.fixture
def redis_broker(redis_url) -> str:
    """The test Redis database, emptied of earlier tasks."""
    _empty_redis_db(redis_url)
    yield redis_url
    _empty_redis_db(redis_url)


class PrivateRedis:
    """A redis-server of this test's own, which the test may stop and start again."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
            env=without_faketime(os.environ),  # it may not start under libfaketime
        )  # fmt: skip
        wait_for(self._answers, 10, what="redis-server to start")

    def _answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.ConnectionError:
            return False

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def private_redis(redis_url, tmp_path):
    """Runs where the Redis tests run (CI has redis-server installed with the service)."""
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.kill()
