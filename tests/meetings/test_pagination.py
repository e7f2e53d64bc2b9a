"""Past meetings and action items are listed a page at a time; a bad page number shows the
first page, a page past the end says so and links back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from partnerhub.meetings.models import ActionItem, ActionItemStatus, MeetingStatus
from partnerhub.pagination import PER_PAGE
from tests.clock import NOW

BAD_PAGE_NUMBERS = ["abc", "-1", "0", "1.5", "99999999999999999999", "%00", ""]


def past_meetings(make, world, count: int) -> list:
    """`count` held meetings, one a week back from NOW, newest first; titled by their number."""
    meetings = []
    for n in range(count):
        meeting = make.meeting(
            world.partnership, NOW - timedelta(days=7 * (n + 1)), title=f"Review no. {n:03d}"
        )
        meeting.status = MeetingStatus.HELD
        meetings.append(meeting)
    make.session.commit()
    return meetings


def action_items(make, world, count: int, **fields) -> list:
    """`count` open action items, due a day apart from 1 April 2026 on."""
    items = [
        ActionItem(
            partnership_id=world.partnership.id,
            title=f"Action no. {n:03d}",
            due_on=date(2026, 4, 1) + timedelta(days=n),
            owner_membership_id=world.member.id,
            **fields,
        )
        for n in range(count)
    ]
    make.session.add_all(items)
    make.session.commit()
    return items


def test_page_two_shows_the_older_past_meetings(client, login_as, world, make, base):
    past_meetings(make, world, PER_PAGE + 5)
    login_as(world.member.user)

    first = client.get(f"{base}/meetings").text
    assert "Review no. 000" in first and f"Review no. {PER_PAGE - 1:03d}" in first
    assert f"Review no. {PER_PAGE:03d}" not in first
    assert 'aria-label="Pages of past meetings"' in first
    assert f'href="{base}/meetings?page=2"' in first

    second = client.get(f"{base}/meetings?page=2").text
    assert f"Review no. {PER_PAGE:03d}" in second and f"Review no. {PER_PAGE + 4:03d}" in second
    assert "Review no. 000" not in second
    assert '<span class="page-link">Page 2</span>' in second
    assert f'href="{base}/meetings?page=1"' in second


@pytest.mark.parametrize("raw", BAD_PAGE_NUMBERS)
def test_a_bad_page_number_shows_the_first_page_of_meetings(
    client, login_as, world, make, base, raw
):
    past_meetings(make, world, PER_PAGE + 1)
    login_as(world.member.user)
    response = client.get(f"{base}/meetings?page={raw}")
    assert response.status_code == 200
    assert "Review no. 000" in response.text
    assert '<span class="page-link">Page 1</span>' in response.text


def test_a_page_past_the_end_says_so_and_links_back(client, login_as, world, make, base):
    past_meetings(make, world, 3)
    login_as(world.member.user)
    response = client.get(f"{base}/meetings?page=40")
    assert response.status_code == 200
    assert "No past meetings on this page." in response.text
    assert f'href="{base}/meetings?page=39"' in response.text


def test_one_page_of_meetings_has_no_pager(client, login_as, world, make, base):
    past_meetings(make, world, 2)
    login_as(world.member.user)
    assert "Pages of past meetings" not in client.get(f"{base}/meetings").text


def test_action_items_come_a_page_at_a_time_soonest_due_first(client, login_as, world, make, base):
    action_items(make, world, PER_PAGE + 2)
    login_as(world.facilitator.user)

    first = client.get(f"{base}/action-items").text
    assert "Action no. 000" in first and f"Action no. {PER_PAGE:03d}" not in first
    second = client.get(f"{base}/action-items?page=2").text
    assert f"Action no. {PER_PAGE:03d}" in second and f"Action no. {PER_PAGE + 1:03d}" in second
    assert "Action no. 000" not in second


def test_the_pager_keeps_the_filters(client, login_as, world, make, base):
    action_items(make, world, PER_PAGE + 1, status=ActionItemStatus.DONE)
    login_as(world.member.user)
    page = client.get(f"{base}/action-items?status=done&mine=1").text
    assert f'href="{base}/action-items?status=done&amp;mine=1&amp;page=2"' in page


def test_only_mine_is_filtered_before_paging(client, login_as, world, make, base):
    """Someone else's items never fill my page: the filter runs in the query, not after it."""
    action_items(make, world, PER_PAGE + 3, owner_agency_id=None)
    make.session.add(
        ActionItem(
            partnership_id=world.partnership.id,
            title="Task of the facilitator",
            due_on=date(2027, 1, 1),
            owner_membership_id=world.facilitator.id,
        )
    )
    make.session.commit()
    login_as(world.facilitator.user)
    mine = client.get(f"{base}/action-items?mine=1").text
    assert "Task of the facilitator" in mine
    assert "Action no. 000" not in mine and "Pages of action items" not in mine


@pytest.mark.parametrize("raw", BAD_PAGE_NUMBERS)
def test_a_bad_page_number_shows_the_first_page_of_action_items(
    client, login_as, world, make, base, raw
):
    action_items(make, world, 2)
    login_as(world.member.user)
    response = client.get(f"{base}/action-items?status=all&page={raw}")
    assert response.status_code == 200
    assert "Action no. 000" in response.text
