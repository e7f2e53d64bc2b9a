"""The demo as its people see it: every page a facilitator reaches by following links.

The page checks and the screenshots both start here. The crawl follows same-site links from
the dashboard and keeps one page per route shape (`/meetings/12` and `/meetings/13` are the
same template), so a new page is checked as soon as something links to it.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urldefrag, urlsplit

from partnerhub.demo import load_demo
from partnerhub.notifications.sweep import sweep

TOOLS = Path(__file__).parent / "node_modules"
AXE = TOOLS / "axe-core" / "axe.min.js"
VNU = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"

# Where a link leads somewhere that is not a page: a download, a feed, a way out.
NOT_PAGES = re.compile(
    r"(\.ics|\.csv|/logout|/feed|/download|/calendar|/documents/|/static/|/unsubscribe)"
)
MAX_PAGES = 200


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def shape(path: str) -> str:
    """The route a path belongs to: its numbers made alike, and only the names of its query
    (`?status=open` and `?status=done` are one page shown two ways)."""
    parts = urlsplit(path)
    keys = "&".join(sorted(key for key, _ in parse_qsl(parts.query, keep_blank_values=True)))
    return re.sub(r"/\d+", "/N", parts.path) + (f"?{keys}" if keys else "")


def links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        href, _ = urldefrag(href)
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        found.append(href)
    return found


def load(app, session, now) -> str:
    """The demo, swept once so that flags are raised; returns the facilitator's email."""
    logins = load_demo(session, now)
    session.commit()
    with app.app_context():
        sweep(session, now)
    session.commit()
    return next(email for email, who in logins.people if who.endswith("facilitator"))


def crawl(client, start: str = "/") -> dict[str, str]:
    """Path -> HTML of every page reachable from `start`, one per route shape."""
    pages: dict[str, str] = {}
    seen_shapes: set[str] = set()
    queue = deque([start])
    while queue and len(pages) < MAX_PAGES:
        path = queue.popleft()
        if NOT_PAGES.search(path) or shape(path) in seen_shapes:
            continue
        seen_shapes.add(shape(path))
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        pages[path] = html
        queue.extend(links(html))
    return pages
