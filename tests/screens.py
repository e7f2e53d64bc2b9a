"""Screenshots of the main pages at 1280 and 390 px, to look at before and after a change.

    python -m tests.screens [folder]        (default: instance/screens)

It builds the demo in a throwaway SQLite database at the test suite's instant (tests.clock.NOW),
so two runs on the same code give the same pictures, serves it, and has headless Chromium
(`apt-get install chromium`) save one full-page PNG per page and width, as the demo's
facilitator sees it.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import threading
from pathlib import Path

import time_machine
from flask import Flask, url_for
from sqlalchemy import select
from werkzeug.serving import make_server

from partnerhub import create_app, migrate
from partnerhub.meetings.models import Meeting
from partnerhub.partnerships.models import Partnership
from tests.clock import NOW
from tests.conftest import chromium_path, free_port, without_faketime
from tests.page_checks import site

WIDTHS = {"1280": {"width": 1280, "height": 800}, "390": {"width": 390, "height": 844}}


def pages(app: Flask) -> dict[str, str]:
    """Name -> path of each page pictured, on the demo's data."""
    session = app.extensions["partnerhub.database"].sessionmaker()
    partnership = session.scalar(select(Partnership))
    meeting = session.scalar(
        select(Meeting).where(Meeting.starts_at >= NOW).order_by(Meeting.starts_at).limit(1)
    )
    session.close()
    ids = {"partnership_id": partnership.id}
    with app.test_request_context():
        return {
            "dashboard": url_for("partnerships.dashboard"),
            "overview": url_for("partnerships.overview", **ids),
            "next-meeting": url_for("meetings.meeting", meeting_id=meeting.id, **ids),
            "meeting-mode": url_for("meetings.meeting_mode", meeting_id=meeting.id, **ids),
            "annual-report": url_for("report.annual", **ids),
            "flags": url_for("notifications.flags", **ids),
        }


def build(folder: Path) -> Flask:
    url = f"sqlite:///{folder / 'screens.sqlite'}"
    migrate.upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(folder),
            "SECRET_KEY": "screens",
            "MAIL_URL": f"file://{folder / 'mail'}",
            "BASE_URL": "http://127.0.0.1",
        }
    )
    session = app.extensions["partnerhub.database"].sessionmaker()
    app.config["DEMO_FACILITATOR"] = site.load(app, session, NOW)
    session.close()
    return app


def photograph(app: Flask, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from partnerhub.demo import DEMO_PASSWORD

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    saved = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), env=without_faketime({}), args=["--no-sandbox"]
            )
            tab = browser.new_page(base_url=f"http://127.0.0.1:{server.port}")
            tab.goto("/login")
            tab.get_by_label("Email").fill(app.config["DEMO_FACILITATOR"])
            tab.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
            tab.get_by_role("button", name="Log in").click()
            tab.wait_for_url("**/")
            for name, path in pages(app).items():
                for width, viewport in WIDTHS.items():
                    tab.set_viewport_size(viewport)
                    tab.goto(path)
                    file = out / f"{name}-{width}.png"
                    tab.screenshot(path=str(file), full_page=True)
                    saved.append(file)
            browser.close()
    finally:
        server.shutdown()
    return saved


def main(argv: list[str]) -> int:
    if not chromium_path():
        print("Chromium is not installed (apt-get install chromium).", file=sys.stderr)
        return 1
    logging.disable(logging.INFO)  # one line per request would bury the list of pictures
    out = Path(argv[0] if argv else "instance/screens").resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch, time_machine.travel(NOW, tick=True):
        saved = photograph(build(Path(scratch)), out)
    for file in saved:
        print(file)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
