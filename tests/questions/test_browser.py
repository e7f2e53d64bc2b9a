"""In a real browser: a member raises a question and puts it on the next agenda, the legal
advisor answers it, and the member finds the answer in the partnership's guidance."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.clock import NOW
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

TITLE = "May the SRO tell the counselor about a citation?"


def log_in(tab, user) -> None:
    tab.goto("/login")
    tab.get_by_label("Email").fill(user.email)
    tab.get_by_label("Password", exact=True).fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url("**/")


def test_raise_discuss_answer_and_find_a_question(
    page, browser, live_server, browser_login, world, desk, make, db
):
    make.meeting(world.partnership, NOW + timedelta(days=5), title="April partner meeting")
    db.commit()

    # The school's member raises the question and proposes it for the agenda.
    browser_login(world.member.user)
    page.goto(f"/partnerships/{world.partnership.id}")
    nav = page.get_by_role("navigation", name="Partnership sections")
    nav.get_by_role("link", name=re.compile("^Act")).click()
    nav.get_by_role("link", name="Questions", exact=True).click()
    page.get_by_role("link", name="Raise a question").click()
    page.get_by_label("Question", exact=True).fill(TITLE)
    page.get_by_label("What happens").fill("A student was cited off campus on a weekend.")
    page.get_by_label("Agency that would share").select_option(str(desk.police.id))
    page.get_by_label("Agency that would receive").select_option(str(desk.school.id))
    page.get_by_role("button", name="Raise the question").click()
    expect(page.get_by_text("Question raised")).to_be_visible()
    expect(page.get_by_text("Dana Counsel").first).to_be_visible()
    page.get_by_role("button", name="Put on the agenda").click()
    expect(page.get_by_text("On the agenda of April partner meeting.")).to_be_visible()
    expect(page.locator("#question-agenda")).to_contain_text("(proposed)")
    question_url = page.url

    # The legal advisor answers it, with its legal basis.
    advisor = browser.new_context(base_url=live_server.url)
    advisor.set_default_timeout(10_000)
    tab = advisor.new_page()
    log_in(tab, desk.advisor.user)
    tab.goto(question_url)
    tab.get_by_label("Answer", exact=True).fill(
        "Yes: the citation is a law-enforcement unit record, not an education record."
    )
    tab.get_by_label("Legal basis").fill("34 CFR 99.8")
    tab.get_by_role("button", name="Answer and close").click()
    expect(tab.get_by_text("Answered: the answer is now part")).to_be_visible()
    advisor.close()

    # The member finds it in the guidance.
    page.goto(f"/partnerships/{world.partnership.id}/questions")
    page.get_by_role("link", name="Search the guidance").click()
    page.get_by_label("Words to find").fill("citation counselor")
    page.get_by_role("button", name="Search").click()
    result = page.locator("#guidance")
    expect(result).to_contain_text(TITLE)
    expect(result).to_contain_text("34 CFR 99.8")
