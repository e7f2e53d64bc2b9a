"""`partnerhub up` runs web, worker and beat with embedded defaults and stops them all."""

from __future__ import annotations

import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from partnerhub import migrate
from partnerhub.db import Database
from partnerhub.notifications.outbox import queue_email
from tests.clock import NOW
from tests.conftest import free_port
from tests.worker.conftest import PROJECT, clean_env, wait_for


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, read from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def healthz(url: str) -> int | None:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
            return response.status
    except OSError:
        return None


@pytest.mark.slow
def test_up_serves_delivers_and_stops_every_child_on_ctrl_c(tmp_path):
    instance = tmp_path / "instance"
    database_url = f"sqlite:///{instance / 'partnerhub.sqlite'}"
    instance.mkdir()
    migrate.upgrade(database_url)
    database = Database(database_url)
    with database.transaction() as session:
        queue_email(
            session, key="up:1", kind="test", to="reader@example.org", subject="Waiting",
            text="Sent when the worker starts.", now=NOW,
        )  # fmt: skip
    database.dispose()
    port = free_port()
    up = subprocess.Popen(
        [sys.executable, "-m", "partnerhub.cli", "up", "--port", str(port)],
        cwd=PROJECT, env=clean_env(PARTNERHUB_INSTANCE_PATH=str(instance)),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: healthz(url) == 200, 60, what="/healthz")
        wait_for(lambda: list((instance / "mail").glob("*.eml")), 60, what="the waiting email")
        children = descendants(up.pid)
        assert len(children) >= 3  # web, worker, beat (and their own children)

        up.send_signal(signal.SIGINT)
        up.wait(timeout=15)
        wait_for(lambda: not any(alive(pid) for pid in children), 5, what="children to end")
    finally:
        if up.poll() is None:  # the test failed: still stop the children
            up.terminate()
            up.wait(timeout=15)
    output = up.stdout.read().decode()
    assert f"PartnerHub is running at {url}/" in output
    assert "log in as admin@partnerhub.example with password" in output
    assert up.returncode == 0
