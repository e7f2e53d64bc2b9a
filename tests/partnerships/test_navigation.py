"""A partnership is navigated by its stages: Overview, Partner, Plan, Act, Activity, with the
pages of the section being shown under them, and the partnership's own stage marked."""

from __future__ import annotations

import re

import pytest

from partnerhub.partnerships.models import Stage
from partnerhub.partnerships.registry import Tab, navigation, registry


def sections(page: str) -> list[str]:
    nav = page.split('aria-label="Partnership sections"')[1].split("</nav>")[0]
    tabs = nav.split('aria-label="Pages in this section"')[0]
    return [
        re.sub(r"<[^>]+>|\s+", " ", label).strip()
        for label in re.findall(r'<a class="nav-link[^"]*"[^>]*>(.*?)</a>', tabs, re.S)
    ]


def pages(page: str) -> list[str]:
    nav = page.split('aria-label="Partnership sections"')[1].split("</nav>")[0]
    if 'aria-label="Pages in this section"' not in nav:
        return []
    block = nav.split('aria-label="Pages in this section"')[1]
    return re.findall(r'<a class="nav-link[^"]*"[^>]*>(.*?)</a>', block, re.S)


ACT = ["Meetings", "Action items", "Questions", "Training", "Flags", "Library", "Annual report"]


@pytest.mark.parametrize(
    ("path", "section", "shown"),
    [
        ("", "Overview", ["Overview", "Stages"]),
        ("/stages", "Overview", ["Overview", "Stages"]),
        ("/agencies", "Partner", ["Agencies", "Roster"]),
        ("/roster", "Partner", ["Agencies", "Roster"]),
        ("/matrix", "Plan", ["Sharing matrix", "Procedures", "Agreements"]),
        ("/procedures/new", "Plan", ["Sharing matrix", "Procedures", "Agreements"]),
        ("/agreements", "Plan", ["Sharing matrix", "Procedures", "Agreements"]),
        ("/meetings", "Act", ACT),
        ("/flags", "Act", ACT),
        ("/library", "Act", ACT),
        ("/report", "Act", ACT),
        ("/activity", "Activity", []),
    ],
)
def test_each_page_sits_in_its_stage(client, login_as, world, path, section, shown):
    login_as(world.facilitator.user)
    page = client.get(f"/partnerships/{world.partnership.id}{path}").get_data(as_text=True)
    assert [label.split()[0] for label in sections(page)] == [
        "Overview",
        "Partner",
        "Plan",
        "Act",
        "Activity",
    ]
    current = re.search(
        r'<a class="nav-link active"\s+aria-current="true"[^>]*>(.*?)</a>', page, re.S
    )
    assert current and current.group(1).strip().startswith(section)
    assert pages(page) == shown


def test_the_partnerships_own_stage_is_marked(client, login_as, world, db):
    world.partnership.stage = Stage.PLAN
    db.commit()
    login_as(world.member.user)
    page = client.get(f"/partnerships/{world.partnership.id}").get_data(as_text=True)
    marked = [label for label in sections(page) if "partnership's stage" in label]
    assert len(marked) == 1 and marked[0].startswith("Plan")


def test_sections_show_only_pages_the_viewer_may_open(client, login_as, world):
    login_as(world.observer.user)
    page = client.get(f"/partnerships/{world.partnership.id}/meetings").get_data(as_text=True)
    assert "Activity" not in [label.strip() for label in sections(page)]


def test_the_longest_match_decides_the_page_shown():
    tabs = [
        Tab("Meetings", "meetings.index", 1, section="act", covers=("meetings.",)),
        Tab("Action items", "meetings.action_items", 2, section="act"),
    ]
    nav = navigation(tabs, lambda tab: True, "meetings.action_items", Stage.ACT)
    assert [(tab.label, shown) for tab, shown in nav.pages] == [
        ("Meetings", False),
        ("Action items", True),
    ]
    meeting = navigation(tabs, lambda tab: True, "meetings.meeting", Stage.PARTNER)
    assert [shown for _, shown in meeting.pages] == [True, False]
    assert [(s.label, s.is_current, s.is_stage) for s in meeting.sections] == [("Act", True, False)]
    nowhere = navigation(tabs, lambda tab: True, "auth.account", Stage.ACT)
    assert nowhere.pages == [] and not any(s.is_current for s in nowhere.sections)


def test_every_registered_page_belongs_to_a_section():
    keys = {"overview", "partner", "plan", "act", "activity"}
    assert {tab.section for tab in registry.tabs} <= keys
