"""In a real browser: a facilitator records a training with its attendees and sees the
partnership's coverage change."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_facilitator_records_a_training_and_the_coverage_changes(page, browser_login, world):
    browser_login(world.facilitator.user)
    page.goto(f"/partnerships/{world.partnership.id}")
    nav = page.get_by_role("navigation", name="Partnership sections")
    nav.get_by_role("link", name="Act", exact=True).click()
    nav.get_by_role("link", name="Training", exact=True).click()
    page.get_by_role("link", name="Coverage", exact=True).click()
    school = page.get_by_role("row").filter(has_text="Helena Public Schools")
    expect(school.get_by_text("0 of 1")).to_have_count(3)
    expect(school.get_by_text("Missing: Mo Member").first).to_be_visible()

    nav.get_by_role("link", name="Training", exact=True).click()
    page.get_by_role("link", name="Record a training").click()
    page.get_by_label("Title").fill("Confidentiality laws for school staff")
    for framework in ("FERPA", "State code", "The partnership's procedures"):
        page.get_by_label(framework, exact=True).check()
    page.get_by_label("Held on").fill("2026-02-10")
    page.get_by_label("Trainer").fill("Nora Fitzgerald, HIPAA consultant")
    page.get_by_label("Mo Member, Helena Public Schools").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("is recorded.")).to_be_visible()
    expect(page.get_by_role("cell", name="Mo Member")).to_be_visible()

    nav.get_by_role("link", name="Training", exact=True).click()
    page.get_by_role("link", name="Coverage", exact=True).click()
    school = page.get_by_role("row").filter(has_text="Helena Public Schools")
    expect(school.get_by_text("1 of 1")).to_have_count(3)
    expect(school.get_by_text("lapses from 10 Feb 2027").first).to_be_visible()
    expect(page.get_by_text("Missing: Mo Member")).to_have_count(0)
