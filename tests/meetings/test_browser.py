"""In a real browser: schedule a series, build an agenda, record attendance, finalize minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.clock import TODAY

pytestmark = pytest.mark.browser


def test_a_facilitator_runs_a_monthly_meeting(page, browser_login, world):
    browser_login(world.facilitator.user)
    base = f"/partnerships/{world.partnership.id}/meetings"

    page.goto(base)
    expect(page.get_by_role("heading", name="Meetings", exact=True)).to_be_visible()
    page.get_by_role("link", name="Schedule a series").first.click()
    page.get_by_label("Title", exact=True).fill("Monthly partner review")
    first = TODAY - timedelta(days=20)
    page.get_by_label("Start time").fill("15:00")
    page.get_by_label("Repeats").select_option("monthly_weekday")
    page.get_by_label("Which one").select_option("2nd")
    page.get_by_label("Weekday").select_option("Tuesday")
    page.get_by_label("From (month)").fill(f"{first:%Y-%m}")
    page.get_by_label("Place", exact=True).fill("District office")
    page.get_by_role("button", name="Save series").click()
    expect(page.get_by_text("Scheduled “Monthly partner review”")).to_be_visible()

    page.get_by_role("link", name="Monthly partner review").last.click()
    expect(page.get_by_role("heading", name="Agenda")).to_be_visible()
    for title, minutes in (("Consent form review", "30"), ("New sharing issues", "70")):
        page.get_by_label("Item", exact=True).fill(title)
        page.get_by_role("spinbutton", name="Minutes").fill(minutes)
        page.get_by_role("button", name="Add to agenda").click()
        expect(page.get_by_text("Added to the agenda.")).to_be_visible()
    expect(page.locator("#agenda-time")).to_contain_text("runs 10 minutes over")
    page.get_by_role("button", name="↑ Up").click()
    expect(page.locator("ol.list-group li").first).to_contain_text("New sharing issues")

    page.get_by_role("link", name="Record attendance").click()
    page.get_by_label("Mo Member (Helena Public Schools)").check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance recorded.")).to_be_visible()
    expect(page.get_by_role("row", name="Mo Member Helena Public Schools Attended")).to_be_visible()

    page.get_by_role("link", name="Write minutes").click()
    expect(page.get_by_text("Do not identify individual youth")).to_be_visible()
    page.get_by_label("Summary").fill("Schools and police agreed the referral route.")
    page.get_by_label("Decision").first.fill("Referrals go through the liaison.")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Finalize minutes").click()
    expect(page.get_by_text("The minutes are final.")).to_be_visible()
    expect(page.get_by_text("Final, version 1")).to_be_visible()
    expect(page.get_by_text("Referrals go through the liaison.")).to_be_visible()
    expect(page.get_by_text("Held", exact=True)).to_be_visible()


def test_a_series_set_as_every_second_tuesday_is_the_cadence_on_the_overview(
    page, browser_login, world
):
    browser_login(world.facilitator.user)
    page.goto(f"/partnerships/{world.partnership.id}/meetings/series/new")
    page.get_by_label("Title", exact=True).fill("Monthly partner review")
    page.get_by_label("Repeats").select_option("monthly_date")
    page.get_by_label("Day of the month").fill("31")
    page.get_by_label("Start time").fill("15:30")
    page.get_by_label("From (month)").fill("2026-04")
    page.get_by_role("button", name="Save series").click()
    expect(page.get_by_text("Choose a day from 1 to 28")).to_be_visible()
    expect(page.get_by_label("Title", exact=True)).to_have_value("Monthly partner review")
    expect(page.get_by_label("From (month)")).to_have_value("2026-04")

    page.get_by_label("Repeats").select_option("monthly_weekday")
    page.get_by_label("Which one").select_option("2nd")
    page.get_by_label("Weekday").select_option("Tuesday")
    page.get_by_role("button", name="Save series").click()
    expect(page.get_by_text("first on Tue 14 Apr 2026")).to_be_visible()

    page.goto(f"/partnerships/{world.partnership.id}")
    expect(page.locator("#cadence")).to_have_text(
        "Meets monthly on the second Tuesday, 15:30\N{EN DASH}17:00 (America/Denver)"
    )
