"""In a real browser: a member finds a template in the library and starts a procedure from it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_member_starts_a_procedure_from_a_library_template(page, browser_login, world, shelf):
    browser_login(world.member.user)
    page.goto(f"/partnerships/{world.partnership.id}")
    nav = page.get_by_role("navigation", name="Partnership sections")
    nav.get_by_role("link", name=re.compile("^Act")).click()
    nav.get_by_role("link", name="Library", exact=True).click()
    page.get_by_label("Kind").select_option("template")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("PTAC")).to_have_count(0)
    item = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="Procedure template", exact=True)
    )
    item.get_by_role("link", name="Start a procedure from it").click()
    expect(page.get_by_label("Title")).to_have_value("Procedure template")
    expect(page.get_by_label("Procedure", exact=True)).to_have_value(
        re.compile(r"^# \[Procedure title\]")
    )
    page.get_by_label("Title").fill("Attendance concerns shared with the SRO")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Procedure saved as a draft.")).to_be_visible()
    expect(
        page.get_by_role("heading", name="Attendance concerns shared with the SRO")
    ).to_be_visible()


def test_removing_a_template_asks_first_and_keeps_it_if_refused(
    page, browser_login, dialogs, world, shelf
):
    browser_login(world.facilitator.user)
    page.goto(f"/partnerships/{world.partnership.id}/library")
    own = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="Helena release form", exact=True)
    )
    dialogs.answer_next(accept=False)
    own.get_by_role("button", name="Remove").click()
    expect(own).to_be_visible()
    dialogs.answer_next(accept=True)
    own.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("“Helena release form” is no longer in the library.")).to_be_visible()
    expect(own).to_have_count(0)
    assert dialogs.questions == ["Remove “Helena release form” from the library?"] * 2
