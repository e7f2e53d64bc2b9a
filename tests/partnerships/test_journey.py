"""A facilitator's first day, in a real browser: from a new partnership to the Plan stage."""

import re

import pytest
from sqlalchemy import select

from partnerhub.partnerships.models import CORE_SECTORS, Partnership

pytestmark = pytest.mark.browser

AGENCIES = {
    "school": "Helena Public Schools",
    "law_enforcement": "Helena Police Department",
    "juvenile_justice": "Lewis and Clark County Attorney's Office",
    "mental_health": "Helena Youth Mental Health Center",
    "child_welfare": "Child and Family Services, Helena",
}


def tab(page, section: str, name: str):
    """Open a section of the partnership's navigation, then one of its pages."""
    nav = page.get_by_role("navigation", name="Partnership sections")
    nav.get_by_role("link", name=re.compile(f"^{section}")).click()
    return nav.get_by_role("link", name=name, exact=True)


def test_facilitator_builds_a_partnership_and_advances_it_to_plan(
    make, db, page, browser, live_server, browser_login, mailbox, deliver_outbox
):
    fiona = make.user("Fiona Facilitator", email="fiona@example.org")
    db.commit()
    browser_login(fiona)

    page.get_by_role("link", name="New partnership").first.click()
    page.get_by_label("Name", exact=True).fill("Lewis and Clark Youth Partnership")
    page.get_by_label("Community").fill("Helena, MT")
    page.get_by_label("Purpose statement").fill("Agree how we share information about youth.")
    page.get_by_label("Time zone").select_option("America/Denver")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("is created").wait_for()
    overview = page.url

    for sector in CORE_SECTORS:
        tab(page, "Partner", "Agencies").click()
        page.get_by_role("link", name="Add agency").click()
        page.get_by_label("New organization's name").fill(AGENCIES[sector.value])
        page.get_by_label("Sector", exact=True).select_option(sector.value)
        page.get_by_role("button", name="Add agency").click()
        page.get_by_text(f"{AGENCIES[sector.value]} is at the table").wait_for()

    tab(page, "Partner", "Roster").click()
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("Email").fill("olly@example.org")
    page.get_by_label("Name", exact=True).fill("Olly Officer")
    page.get_by_label("Agency represented").select_option(label="Helena Police Department")
    page.get_by_label("Position or title").fill("School Resource Officer")
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("Invitation sent to olly@example.org").wait_for()
    deliver_outbox()

    [message] = mailbox()
    link = re.search(r"/invitations/\S+", message.get_body(("plain",)).get_content()).group(0)
    olly = browser.new_context(base_url=live_server.url).new_page()
    olly.goto(link)
    olly.get_by_label("Your name").fill("Olly Officer")
    olly.get_by_label("Password", exact=True).fill("a long enough password")
    olly.get_by_label("Repeat password").fill("a long enough password")
    olly.get_by_role("button", name="Join the partnership").click()
    olly.get_by_text("Welcome to Lewis and Clark Youth Partnership").wait_for()
    olly.context.close()

    page.goto(overview)
    tab(page, "Partner", "Roster").click()
    page.get_by_text("Every core system is represented.").wait_for()
    assert page.get_by_text("School Resource Officer").is_visible()

    # The monthly review is scheduled (the meetings journey does that in the browser).
    make.series(db.scalar(select(Partnership).where(Partnership.name.like("Lewis and Clark%"))))
    db.commit()
    tab(page, "Overview", "Stages").click()
    page.get_by_role(
        "button", name="Tick Partners agreed on shared leadership and ownership"
    ).click()
    # Items other modules add (a meeting series, …) may still be open: override with a reason.
    page.get_by_label("Reason to advance with open items").fill("Meetings are set up next week")
    page.get_by_role("button", name="Advance to the next stage").click()
    page.get_by_text("now in the Plan stage").wait_for()
    assert page.get_by_text("Partner → Plan", exact=True).is_visible()
