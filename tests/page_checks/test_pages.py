"""Every page of the demo, as its facilitator reaches it: valid HTML (the Nu HTML Checker),
no critical or serious accessibility violation (axe-core), and nothing that scrolls sideways
on a 390 px phone.

The demo is swept first, so the pages show flags, overrun agendas and coverage gaps. Install
the checkers once with `npm ci --prefix tests/page_checks` (`.ci/run` does); java runs vnu.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from sqlalchemy import select

from partnerhub.auth.models import User
from partnerhub.demo import DEMO_PASSWORD
from tests.clock import NOW
from tests.conftest import without_faketime
from tests.page_checks import site

pytestmark = pytest.mark.skipif(
    not site.AXE.exists() or not site.VNU.exists(),
    reason="run `npm ci --prefix tests/page_checks` to install axe-core and vnu-jar",
)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SERIOUS = ("critical", "serious")


@pytest.fixture
def demo(app, db):
    return site.load(app, db, NOW)


@pytest.fixture
def pages(demo, db, login_as):
    client = login_as(db.scalar(select(User).where(User.email == demo)))
    pages = site.crawl(client)
    assert len(pages) >= 15, sorted(pages)
    return pages


def test_the_crawl_reaches_every_stage_of_the_partnership(pages):
    shapes = {site.shape(path) for path in pages}
    for expected in ("/", "/partnerships/N", "/partnerships/N/roster", "/partnerships/N/flags"):
        assert expected in shapes, sorted(shapes)
    assert any("/meetings/N" in s for s in shapes)
    assert any("/agreements/N" in s for s in shapes)
    assert any("/procedures/N" in s for s in shapes)


def test_every_page_is_valid_html(pages, tmp_path):
    java = shutil.which("java")
    if not java:
        pytest.skip("java is not installed (the Nu HTML Checker runs on it)")
    files = {}
    for number, (path, html) in enumerate(sorted(pages.items())):
        file = tmp_path / f"page{number}.html"
        file.write_text(html)
        files[file.name] = path
    run = subprocess.run(
        [java, "-jar", str(site.VNU), "--format", "json", "--errors-only", *files],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=tmp_path,
        # The checker needs no clock; libfaketime (CI's hostile-clock pass) can stall a JVM.
        env=without_faketime(os.environ),
    )
    # The checker reports on stderr, in JSON, and exits 1 when it found an error.
    messages = json.loads(run.stderr)["messages"]
    errors = [
        f"{files.get(m.get('url', '').rsplit('/', 1)[-1], m.get('url'))}:{m.get('lastLine')}:"
        f" {m['message']} — {m.get('extract', '').strip()[:120]}"
        for m in messages
        if m["type"] in ("error", "non-document-error")
    ]
    assert not errors and run.returncode == 0, "\n".join(errors) or run.stderr


@pytest.fixture
def demo_browser(browser, live_server, demo):
    """A browser logged in as the demo's facilitator, with axe allowed past the page's CSP."""
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.goto("/login")
    tab.get_by_label("Email").fill(demo)
    tab.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url("**/")
    yield tab
    context.close()


def axe_violations(tab) -> list[str]:
    tab.add_script_tag(path=str(site.AXE))
    result = tab.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)"
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} — {node['target']}"
        for v in result
        if v["impact"] in SERIOUS
        for node in v["nodes"][:3]
    ]


def sideways_scroll(tab) -> int:
    """How far the page itself scrolls sideways (a wide table scrolling in its own box does
    not count: scrollWidth would, though the page cannot move)."""
    return tab.evaluate(
        """() => {
          const page = document.scrollingElement;
          page.scrollLeft = page.scrollWidth;
          const moved = page.scrollLeft;
          page.scrollLeft = 0;
          return moved;
        }"""
    )


def test_no_page_has_a_serious_accessibility_violation_or_scrolls_sideways_on_a_phone(
    pages, demo_browser
):
    problems = []
    for path in sorted(pages):
        for viewport in (DESKTOP, PHONE):
            demo_browser.set_viewport_size(viewport)
            demo_browser.goto(path)
            where = f"{path} at {viewport['width']} px"
            problems += [f"{where}: {v}" for v in axe_violations(demo_browser)]
            if viewport is PHONE and (overflow := sideways_scroll(demo_browser)) > 0:
                problems.append(f"{where}: scrolls sideways by {overflow} px")
    assert not problems, "\n".join(problems)
