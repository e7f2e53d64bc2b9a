"""In a real browser: minutes that name a youth are held back with what was found and the text
kept, and saved once the facilitator keeps them on purpose, with a reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from partnerhub.meetings.models import AgendaItem
from tests.clock import NOW

pytestmark = pytest.mark.browser


def test_minutes_naming_a_youth_are_kept_only_on_purpose(page, browser_login, world, make, db):
    meeting = make.meeting(world.partnership, NOW - timedelta(hours=3))
    db.add(AgendaItem(meeting=meeting, position=1, title="Citations at school", minutes=20))
    db.commit()
    browser_login(world.facilitator.user)
    page.goto(f"/partnerships/{world.partnership.id}/meetings/{meeting.id}/minutes")
    notes = "Jayden Smith (DOB 3/14/2009) was cited at school."
    page.get_by_label("Notes").fill(notes)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert")).to_contain_text("This may identify a youth")
    expect(page.get_by_role("alert")).to_contain_text("“DOB 3/14/2009”")
    expect(page.get_by_label("Notes")).to_have_value(notes)

    page.get_by_label("Notes").fill(
        "A student was cited at school; the SRO informed the counselor."
    )
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft minutes saved.")).to_be_visible()
