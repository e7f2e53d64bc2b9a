"""Running the web, a worker and beat side by side on one machine, and stopping them together."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


def product_processes(host: str, port: int, *, worker: bool = True) -> dict[str, list[str]]:
    """The commands `partnerhub up` runs: gunicorn for the web, Celery worker and beat."""
    python = sys.executable
    commands = {
        "web": [
            python, "-m", "gunicorn",
            "--bind", f"{host}:{port}",
            "--workers", "1", "--threads", "8",
            "--graceful-timeout", "3",
            "partnerhub.wsgi:app",
        ],
    }  # fmt: skip
    if worker:
        celery = [python, "-m", "celery", "-A", "worker"]
        commands["worker"] = [
            *celery, "worker", "--pool", "threads", "--concurrency", "2",
            "--loglevel", "info", "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        commands["beat"] = [*celery, "beat", "--loglevel", "info"]
    return commands


def served_address(host: str, port: int) -> str:
    """The address `up` serves on, as a browser would reach it (no trailing slash)."""
    if host in ("", "0.0.0.0", "::"):  # every interface: name the machine, not the wildcard
        host = socket.gethostname()
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def child_settings(address: str, environ: Mapping[str, str]) -> dict[str, str]:
    """Settings `up` adds for its children: emailed links lead to the address it serves on,
    unless PARTNERHUB_BASE_URL names another one (a proxy in front, say)."""
    if environ.get("PARTNERHUB_BASE_URL"):
        return {}
    return {"PARTNERHUB_BASE_URL": address}


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _stop_when_parent_dies(parent: int):
    """What a child runs before its command: the kernel sends it SIGTERM when the supervisor
    dies, even by SIGKILL, so no web, worker or beat outlives `partnerhub up` holding the port.
    (Each child is in a process group of its own, out of reach of the terminal's signals.)"""
    libc = ctypes.CDLL(None, use_errno=True)

    def before_exec() -> None:
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            os._exit(70)  # without it the child could outlive the supervisor: do not start
        if os.getppid() != parent:  # the supervisor died before prctl took effect
            os._exit(70)

    return before_exec


class Stop(Exception):
    """SIGTERM or SIGINT reached the supervisor."""


@dataclass
class Supervisor:
    """Starts each command in its own process group; when one ends or a stop signal comes,
    stops them all (SIGTERM, then SIGKILL after `grace` seconds)."""

    commands: dict[str, list[str]]
    grace: float = 5.0
    settings: dict[str, str] = field(default_factory=dict)  # added to this environment
    children: dict[str, subprocess.Popen] = field(default_factory=dict)

    def run(self) -> int:
        """Run until a child exits or a signal comes; the exit code to report."""
        previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.start()
            return self.watch()
        except Stop:
            return 0
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def start(self) -> None:
        env = {**os.environ, **self.settings, "PYTHONUNBUFFERED": "1"}
        stop_with_me = _stop_when_parent_dies(os.getpid())
        for name, command in self.commands.items():
            self.children[name] = subprocess.Popen(
                command, env=env, start_new_session=True, preexec_fn=stop_with_me
            )
            log.info("started %s (pid %s)", name, self.children[name].pid)

    def watch(self) -> int:
        while True:
            for name, child in self.children.items():
                if child.poll() is not None:
                    log.error("%s exited with code %s; stopping the others", name, child.returncode)
                    return child.returncode or 1
            time.sleep(0.3)

    def stop(self) -> None:
        self._signal_all(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        while time.monotonic() < deadline and any(c.poll() is None for c in self.children.values()):
            time.sleep(0.1)
        self._signal_all(signal.SIGKILL)
        for child in self.children.values():
            child.wait()

    def _signal_all(self, sig: signal.Signals) -> None:
        # The whole group: gunicorn's workers and Celery's pool go with their parents.
        for child in self.children.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, sig)


def _raise_stop(signum, _frame):
    raise Stop(signal.Signals(signum).name)
