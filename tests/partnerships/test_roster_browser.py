"""In a real browser: a facilitator removes a person from the roster, after being asked."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_removing_a_person_asks_first_and_keeps_them_if_refused(
    page, browser_login, dialogs, world
):
    browser_login(world.facilitator.user)
    page.goto(f"/partnerships/{world.partnership.id}/roster")
    school = page.get_by_role("region", name="Helena Public Schools")
    dialogs.answer_next(accept=False)
    school.get_by_role("button", name="Remove Mo Member").click()
    expect(school.get_by_role("cell", name="Mo Member", exact=True)).to_be_visible()
    dialogs.answer_next(accept=True)
    school.get_by_role("button", name="Remove Mo Member").click()
    expect(page.get_by_text("Mo Member is off the roster.")).to_be_visible()
    expect(school.get_by_role("cell", name="Mo Member", exact=True)).to_have_count(0)
    expect(page.get_by_role("region", name="People who left")).to_contain_text("Mo Member")
    assert dialogs.questions == ["Remove Mo Member from the roster?"] * 2
    unaffiliated = page.get_by_role("region", name="Not representing an agency")
    expect(unaffiliated.get_by_role("cell", name="Olive Observer", exact=True)).to_be_visible()
