"""In a real browser: a member opens the annual report, chooses the period and prints it; on
paper only the report shows, each section on its own page, its tables within the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.report.year import build_year

pytestmark = pytest.mark.browser

# A4's printable width (210 mm less 12 mm margins each side) in CSS pixels; Letter is wider.
PRINTABLE_WIDTH = round((210 - 24) / 25.4 * 96)


def test_a_member_prints_the_annual_report_of_a_chosen_year(page, browser_login, make, db, world):
    year = build_year(make, name="Helena Youth Partnership 2025")
    make.member(year.partnership, world.member.user)
    db.commit()
    browser_login(world.member.user)
    page.goto(f"/partnerships/{year.partnership.id}")
    nav = page.get_by_role("navigation", name="Partnership sections")
    nav.get_by_role("link", name="Act", exact=True).click()
    nav.get_by_role("link", name="Annual report", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("^Annual report"))).to_be_visible()

    page.get_by_label("Twelve months starting").select_option("2025-01")
    page.get_by_role("button", name="Show").click()
    expect(
        page.get_by_role("heading", name="Annual report: January 2025 to December 2025")
    ).to_be_visible()
    expect(page.locator("#section-attendance")).to_contain_text("4/5 (80%)")

    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.printed") == 1

    page.set_viewport_size({"width": PRINTABLE_WIDTH, "height": 1000})
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Partnership sections")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.get_by_label("Twelve months starting")).to_be_hidden()
    breaks = page.eval_on_selector_all(
        ".report-section", "sections => sections.map(s => getComputedStyle(s).breakBefore)"
    )
    assert breaks[0] != "page" and set(breaks[1:]) == {"page"}
    widest = page.eval_on_selector_all(
        ".report-table", "tables => Math.max(...tables.map(t => t.getBoundingClientRect().right))"
    )
    assert widest <= PRINTABLE_WIDTH
    assert page.evaluate("document.documentElement.scrollWidth") <= PRINTABLE_WIDTH

    page.emulate_media(media="screen")
    expect(page.get_by_role("button", name="Print")).to_be_visible()
