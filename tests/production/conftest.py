"""The production stack of docker-compose.yml, run natively: its migrate, web, worker and beat
commands, as many of each as compose says, on the machine's PostgreSQL and Redis and an SMTP
server in this process.

Compose stays the source of truth: the commands, process counts and environment are read from
it; only what a container provides is given here. The variables compose reads from the
operator's environment (`${VAR:-default}`) are set to the test services, the instance volume's
mount point becomes a folder of the test's own, and the web binds a free local port.
"""

from __future__ import annotations

import email.utils
import re
import signal
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from celery import Celery

from tests.conftest import POSTGRES_URL, REDIS_URL, SMTPServer, free_port
from tests.worker.conftest import PROJECT, _empty_redis_db, clean_env, wait_for
from tests.worker.test_up import healthz

COMPOSE = PROJECT / "docker-compose.yml"
# ${VAR}, ${VAR:-default} and ${VAR:?message}, as docker compose reads them.
VARIABLE = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


def compose_services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def interpolate(value: str, environ: dict[str, str]) -> str:
    def substitute(match: re.Match) -> str:
        name, kind, rest = match.groups()
        if environ.get(name):
            return environ[name]
        if kind == "?":
            raise AssertionError(f"compose requires {name}: {rest}")
        return rest or ""

    return VARIABLE.sub(substitute, str(value))


def native(command: list[str]) -> list[str]:
    """A compose command as run here: its program is this environment's console script."""
    return [str(Path(sys.executable).with_name(command[0])), *command[1:]]


def with_option(command: list[str], option: str, value: str) -> list[str]:
    index = command.index(option)
    return [*command[: index + 1], value, *command[index + 2 :]]


@dataclass
class Stack:
    """The running processes, their logs, the web's address and the SMTP server."""

    url: str
    database_url: str
    broker_url: str
    smtp: SMTPServer
    logs: Path
    services: dict
    processes: dict[str, list[subprocess.Popen]] = field(default_factory=dict)

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        index = len(self.processes.setdefault(name, []))
        log = (self.logs / f"{name}-{index}.log").open("ab")
        process = subprocess.Popen(
            command, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes[name].append(process)
        return process

    def log_of(self, name: str, index: int = 0) -> str:
        path = self.logs / f"{name}-{index}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def all_logs(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in self.logs.glob("*.log"))

    def send_task(self, name: str) -> None:
        """Send a task by name, as beat does on its schedule (only sooner)."""
        client = Celery("tests", broker=self.broker_url)
        try:
            client.send_task(name)
        finally:
            client.close()

    def server_now(self) -> datetime:
        """The time on the web's clock (its Date header): the processes run on the real clock."""
        with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:
            return email.utils.parsedate_to_datetime(response.headers["Date"])

    def stop(self) -> None:
        running = [p for group in self.processes.values() for p in group if p.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def fresh_database(url: str) -> str:
    """An empty database beside the test database, for the stack's migrate to build."""
    base = sa.engine.make_url(url)
    name = f"{base.database}_compose"
    server = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    server.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def stack_environment(service: dict, settings: dict[str, str], instance: Path) -> dict[str, str]:
    env = {name: interpolate(value, settings) for name, value in service["environment"].items()}
    env["PARTNERHUB_INSTANCE_PATH"] = str(instance)  # the instance volume, mounted at /data
    return clean_env(**env)


def start_stack(stack: Stack, settings: dict[str, str], instance: Path, port: int) -> None:
    """migrate to completion; then web, the workers and beat, each as compose runs it."""
    services = stack.services
    migrate = stack.start(
        "migrate", native(services["migrate"]["command"]),
        stack_environment(services["migrate"], settings, instance),
    )  # fmt: skip
    assert migrate.wait(120) == 0, stack.log_of("migrate")
    web = with_option(native(services["web"]["command"]), "--bind", f"127.0.0.1:{port}")
    stack.start("web", web, stack_environment(services["web"], settings, instance))
    wait_for(lambda: healthz(stack.url) == 200, 60, what="the web")
    for name in ("worker", "beat"):
        for _ in range(services[name].get("deploy", {}).get("replicas", 1)):
            env = stack_environment(services[name], settings, instance)
            stack.start(name, native(services[name]["command"]), env)
    for index in range(len(stack.processes["worker"])):
        wait_for(lambda i=index: " ready." in stack.log_of("worker", i), 60, what="a worker")
    wait_for(lambda: "beat: Starting" in stack.log_of("beat"), 60, what="beat")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The compose stack on the test PostgreSQL and Redis, sending to a local SMTP server."""
    if not (POSTGRES_URL and REDIS_URL):
        pytest.skip("set PARTNERHUB_TEST_DATABASE_URL and PARTNERHUB_TEST_REDIS_URL")
    folder = tmp_path_factory.mktemp("compose")
    (folder / "logs").mkdir()
    smtp = SMTPServer()
    smtp.controller.start()
    port = free_port()
    _empty_redis_db(REDIS_URL)
    stack = Stack(
        url=f"http://127.0.0.1:{port}",
        database_url=fresh_database(POSTGRES_URL),
        broker_url=REDIS_URL,
        smtp=smtp,
        logs=folder / "logs",
        services=compose_services(),
    )
    settings = {  # what an operator's .env would say
        "PARTNERHUB_DATABASE_URL": stack.database_url,
        "PARTNERHUB_BROKER_URL": REDIS_URL,
        "PARTNERHUB_RATELIMIT_STORAGE_URL": REDIS_URL,
        "PARTNERHUB_MAIL_URL": smtp.url,
        "PARTNERHUB_SECRET_KEY": "the compose stack's secret key",
        "PARTNERHUB_BASE_URL": stack.url,
    }
    try:
        start_stack(stack, settings, folder / "instance", port)
        yield stack
    finally:
        stack.stop()
        smtp.controller.stop()
        _empty_redis_db(REDIS_URL)
