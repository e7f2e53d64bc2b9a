"""Start-up and shutdown that cannot half-work: nothing serves from a database that is not at
the latest migration, processes starting at once agree on one generated secret key and all
reach the embedded broker, and killing `partnerhub up` outright takes its web, worker and beat
down with it."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from partnerhub import create_app, migrate
from partnerhub.config import _secret_key
from partnerhub.db import Database
from partnerhub.notifications.dispatch import ask_for_delivery, prepare_embedded_broker
from tests.conftest import free_port
from tests.worker.conftest import PROJECT, clean_env, wait_for
from tests.worker.test_up import alive, descendants, healthz


def app_on(database_url: str, instance: Path):
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "startup test",
            "BROKER_URL": f"sqla+sqlite:///{instance / 'broker.sqlite'}",
        }
    )


def previous_revision() -> str:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrate.alembic_config(""))
    (head,) = migrate.latest_revisions()
    return scripts.get_revision(head).down_revision


@pytest.fixture
def unmigrated(tmp_path) -> str:
    """An empty SQLite database, as a fresh server would have before `db upgrade`."""
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    Database(url).engine.dispose()
    return url


def test_readiness_fails_on_an_empty_database_and_names_the_migration_needed(unmigrated, tmp_path):
    app = app_on(unmigrated, tmp_path / "instance")
    (head,) = migrate.latest_revisions()

    response = app.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.get_json()["database"] == f"not migrated (at no migration, need {head})"


def test_readiness_fails_one_migration_behind_and_passes_once_upgraded(tmp_path):
    url = f"sqlite:///{tmp_path / 'behind.sqlite'}"
    behind = previous_revision()
    migrate.upgrade(url, behind)
    app = app_on(url, tmp_path / "instance")
    client = app.test_client()
    (head,) = migrate.latest_revisions()

    before = client.get("/readyz")
    migrate.upgrade(url)
    after = client.get("/readyz")

    assert before.status_code == 503
    assert before.get_json()["database"] == f"not migrated (at {behind}, need {head})"
    assert after.status_code == 200
    assert after.get_json() == {"database": "ok", "broker": "ok"}
    app.extensions["partnerhub.database"].dispose()


def run_to_the_end(command: list[str], database_url: str, instance: Path) -> tuple[int, str]:
    env = clean_env(
        PARTNERHUB_DATABASE_URL=database_url,
        PARTNERHUB_INSTANCE_PATH=str(instance),
        PARTNERHUB_SECRET_KEY="startup test",
    )
    done = subprocess.run(
        command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120
    )
    return done.returncode, done.stdout + done.stderr


@pytest.mark.slow
def test_gunicorn_refuses_to_serve_an_unmigrated_database(unmigrated, tmp_path):
    port = free_port()
    code, output = run_to_the_end(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "partnerhub.wsgi:app"],
        unmigrated, tmp_path / "instance",
    )  # fmt: skip

    assert code != 0
    assert "CRITICAL" in output
    assert "The web (gunicorn) refuses to start: the database is not migrated" in output
    assert "Run `partnerhub db upgrade` first." in output


@pytest.mark.slow
def test_a_celery_worker_refuses_to_take_tasks_from_an_unmigrated_database(unmigrated, tmp_path):
    code, output = run_to_the_end(
        [sys.executable, "-m", "celery", "-A", "worker", "worker", "--pool", "solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        unmigrated, tmp_path / "instance",
    )  # fmt: skip

    assert code == 3
    assert "CRITICAL partnerhub.migrate The worker refuses to start" in output
    assert " ready." not in output
    assert "Task partnerhub" not in output  # not one task was run


RACERS = 3
TRIALS = 30


def _race(call, items: list, barrier, results) -> None:
    for item in items:
        barrier.wait()
        results.put((item, call(item)))


def race(call, items: list) -> dict:
    """Run `call(item)` in RACERS processes at once, item after item: {item: [answers]}."""
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(RACERS), context.Queue()
    racers = [
        context.Process(target=_race, args=(call, items, barrier, results)) for _ in range(RACERS)
    ]
    for racer in racers:
        racer.start()
    answers: dict = {}
    for _ in range(RACERS * len(items)):
        item, answer = results.get(timeout=60)
        answers.setdefault(item, []).append(answer)
    for racer in racers:
        racer.join(10)
    assert all(racer.exitcode == 0 for racer in racers)
    return answers


def test_processes_starting_at_once_on_a_fresh_folder_agree_on_one_secret_key(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("PARTNERHUB_SECRET_KEY", raising=False)
    folders = [tmp_path / f"instance-{n}" for n in range(TRIALS)]
    for folder in folders:
        folder.mkdir()

    keys = race(_secret_key, folders)

    assert len(keys) == TRIALS
    disagreements = {folder: found for folder, found in keys.items() if len(set(found)) != 1}
    assert disagreements == {}
    for folder in folders:
        stored = folder / "secret_key"
        assert set(keys[folder]) == {stored.read_text()}
        assert stored.stat().st_mode & 0o777 == 0o600
        assert [p.name for p in folder.iterdir()] == ["secret_key"]  # no draft left behind


def test_processes_asking_at_once_on_a_fresh_embedded_broker_all_get_their_task_in(tmp_path):
    """`partnerhub up` prepares the broker before its web, worker and beat first use it;
    otherwise two of them creating its tables at once fail, and a delivery asked for is lost."""
    files = [tmp_path / f"broker-{n}.sqlite" for n in range(TRIALS // 3)]
    for file in files:
        prepare_embedded_broker(f"sqla+sqlite:///{file}")

    answers = race(lambda file: ask_for_delivery(f"sqla+sqlite:///{file}"), files)

    assert answers == {file: [True] * RACERS for file in files}
    for file in files:
        with contextlib.closing(sqlite3.connect(file)) as broker:
            assert broker.execute("SELECT count(*) FROM kombu_message").fetchone() == (RACERS,)


def port_is_free(port: int) -> bool:
    """Nothing listens on it: a new server could bind it (as servers do, with SO_REUSEADDR,
    whatever connections of the old one are still closing)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.mark.slow
def test_killing_up_outright_takes_web_worker_and_beat_down_and_frees_the_port(tmp_path):
    port = free_port()
    with (tmp_path / "up.log").open("wb") as log:
        up = subprocess.Popen(
            [sys.executable, "-m", "partnerhub.cli", "up", "--port", str(port)],
            cwd=PROJECT, env=clean_env(PARTNERHUB_INSTANCE_PATH=str(tmp_path / "instance")),
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    children: set[int] = set()
    try:
        wait_for(lambda: healthz(f"http://127.0.0.1:{port}") == 200, 90, what="/healthz")
        wait_for(lambda: len(descendants(up.pid)) >= 4, 60, what="web, worker and beat")
        children = descendants(up.pid)

        up.send_signal(signal.SIGKILL)
        up.wait(10)

        wait_for(lambda: not any(alive(pid) for pid in children), 20, what="children to end")
        assert port_is_free(port)
    finally:
        for pid in children:  # the test failed: do not leave them running
            if alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
