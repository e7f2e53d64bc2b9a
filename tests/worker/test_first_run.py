"""The README's first run, followed to the letter: `partnerhub up` on an empty instance prints
an address and a login; that login works in the form, and emailed links use that address."""

from __future__ import annotations

import email
import email.policy
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.http_forms import FormBrowser
from tests.worker.conftest import PROJECT, clean_env, wait_for
from tests.worker.test_up import healthz


def partnerhub_command() -> list[str]:
    """The console script the README runs, from the environment running the tests."""
    script = Path(sys.executable).with_name("partnerhub")
    return [str(script)] if script.exists() else [sys.executable, "-m", "partnerhub.cli"]


class FirstRun:
    def __init__(self, instance: Path, log: Path, process: subprocess.Popen) -> None:
        self.instance = instance
        self.log = log
        self.process = process

    def printed(self, pattern: str) -> re.Match | None:
        return re.search(pattern, self.log.read_text())

    @property
    def address(self) -> str:
        return self.printed(r"PartnerHub is running at (\S+)").group(1)

    @property
    def login(self) -> tuple[str, str]:
        return self.printed(r"log in as (\S+) with password (\S+)").groups()

    def printed_lately(self) -> str:
        return "partnerhub up printed, last:\n" + self.log.read_text()[-4000:]

    def emails(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted((self.instance / "mail").glob("*.eml"))
        ]


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """`partnerhub up --port <free>` on an empty instance folder, stopped with Ctrl-C after."""
    folder = tmp_path_factory.mktemp("first-run")
    instance, log = folder / "instance", folder / "up.log"
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*partnerhub_command(), "up", "--port", str(port)],
            cwd=PROJECT, env=clean_env(PARTNERHUB_INSTANCE_PATH=str(instance)),
            stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    run = FirstRun(instance, log, process)
    try:
        wait_for(lambda: run.printed(r"running at"), 60, what="the address to be printed")
        wait_for(lambda: healthz(run.address.rstrip("/")) == 200, 60, what="/healthz")
        yield run
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.slow
def test_the_printed_login_works_in_the_login_form(first_run):
    email_address, password = first_run.login
    browser = FormBrowser(first_run.address)

    page = browser.submit("/login", {"email": email_address, "password": password})

    assert page.status == 200
    assert "/login" not in page.url
    assert "Welcome, Site administrator." in page.text


@pytest.mark.slow
def test_emailed_links_lead_to_the_printed_address(first_run):
    email_address, _ = first_run.login
    browser = FormBrowser(first_run.address)

    page = browser.submit("/forgot-password", {"email": email_address})

    assert page.status == 200 and "/login" in page.url, "the reset request was refused"
    (message,) = wait_for(
        first_run.emails, 60, what="the reset email", story=first_run.printed_lately
    )
    link = re.search(r"https?://\S+/reset-password/\S+", message.get_body(("plain",)).get_content())
    assert link.group(0).startswith(first_run.address + "reset-password/")
    assert first_run.address != "http://127.0.0.1:5000/"


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "http://127.0.0.1:5151"),
        ("partnerhub.lan", "http://partnerhub.lan:5151"),
        ("::1", "http://[::1]:5151"),
        ("0.0.0.0", "http://{hostname}:5151"),
    ],
)
def test_up_names_the_address_it_serves(host, address):
    """Listening on every interface, the machine's name is the address others can use."""
    import socket

    from partnerhub.processes import served_address

    assert served_address(host, 5151) == address.format(hostname=socket.gethostname())


def test_children_take_the_served_address_for_links_unless_one_is_configured():
    from partnerhub.processes import child_settings

    assert child_settings("http://127.0.0.1:5151", {}) == {
        "PARTNERHUB_BASE_URL": "http://127.0.0.1:5151"
    }
    configured = {"PARTNERHUB_BASE_URL": "https://partnerhub.example.org"}
    assert child_settings("http://127.0.0.1:5151", configured) == {}
