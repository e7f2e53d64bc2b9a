"""The main journey with the keyboard alone: log in, find the next meeting through the stage
navigation, and add an item to its agenda, never touching the mouse."""

from __future__ import annotations

from playwright.sync_api import expect

from partnerhub.demo import DEMO_PASSWORD
from tests.page_checks.test_pages import demo  # noqa: F401 (fixture)

MOST_TABS = 120


def tab_to(tab, name: str) -> None:
    """Press Tab until the focused element is named `name` (its label, text or value)."""
    for _ in range(MOST_TABS):
        tab.keyboard.press("Tab")
        focused = tab.evaluate(
            """() => {
              const el = document.activeElement;
              if (!el) return '';
              const label = el.labels && el.labels[0] ? el.labels[0].innerText : '';
              const name = label || el.getAttribute('aria-label') || el.innerText || el.value;
              return (name || '').trim();
            }"""
        )
        if focused.startswith(name):
            return
    raise AssertionError(f"Tab never reached “{name}”")


def test_a_facilitator_adds_an_agenda_item_with_the_keyboard_alone(demo, browser, live_server):  # noqa: F811
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.goto("/login")

    tab_to(tab, "Email")
    tab.keyboard.type(demo)
    tab_to(tab, "Password")
    tab.keyboard.type(DEMO_PASSWORD)
    tab.keyboard.press("Enter")
    tab.wait_for_url("**/")

    tab_to(tab, "Lewis and Clark County Youth Information Partnership")
    tab.keyboard.press("Enter")
    tab.wait_for_url("**/partnerships/*")
    tab_to(tab, "Act")
    tab.keyboard.press("Enter")
    tab.wait_for_url("**/meetings")
    tab_to(tab, "Monthly partner review")
    tab.keyboard.press("Enter")
    tab.wait_for_url("**/meetings/*")

    tab_to(tab, "Item")
    tab.keyboard.type("Release form for the summer program")
    tab.keyboard.press("Enter")
    expect(tab.get_by_text("Added to the agenda.")).to_be_visible()
    agenda = tab.locator("section", has=tab.locator("#agenda-heading"))
    expect(agenda.get_by_text("Release form for the summer program")).to_be_visible()
    context.close()
