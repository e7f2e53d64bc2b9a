"""In a real browser: the stage navigation fits one line on a laptop, and takes at most a
quarter of a phone's first screen without making the page scroll sideways."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}


def lines_of(page, selector: str) -> int:
    """How many rows the items of `selector` sit on."""
    return page.eval_on_selector_all(
        selector,
        "items => new Set(items.map(item => Math.round(item.getBoundingClientRect().top))).size",
    )


@pytest.mark.parametrize("path", ["", "/agencies", "/matrix", "/meetings"])
def test_the_sections_and_their_pages_each_fit_one_line_on_a_laptop(
    page, browser_login, world, path
):
    page.set_viewport_size(LAPTOP)
    browser_login(world.facilitator.user)
    page.goto(f"/partnerships/{world.partnership.id}{path}")
    assert lines_of(page, ".partnership-nav .nav-tabs > .nav-item") == 1
    assert lines_of(page, ".partnership-nav .nav-pills > .nav-item") <= 1


def test_on_a_phone_the_navigation_is_compact_and_nothing_scrolls_sideways(
    page, browser_login, world
):
    page.set_viewport_size(PHONE)
    browser_login(world.facilitator.user)
    page.goto(f"/partnerships/{world.partnership.id}/matrix")
    nav = page.locator(".partnership-nav").bounding_box()
    assert nav["height"] <= PHONE["height"] / 4
    assert lines_of(page, ".partnership-nav .nav-tabs > .nav-item") == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    page.get_by_role("link", name="Procedures").click()
    assert page.get_by_role("link", name="Procedures").get_attribute("aria-current") == "page"
