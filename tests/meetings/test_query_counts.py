"""The meetings pages run the same number of queries however many meetings, items and members,
and the main ones stay within ten."""

from __future__ import annotations

from datetime import timedelta

from partnerhub.meetings.models import (
    ActionItem,
    ActionItemStatus,
    AgendaItem,
    AgendaItemStatus,
    Attendance,
    AttendanceStatus,
    MeetingStatus,
    Minutes,
    MinutesRevision,
    MinutesStatus,
)
from partnerhub.partnerships.models import Sector
from tests.clock import NOW, TODAY


def grow(make, world, meeting, size: int) -> None:
    """Add `size` agencies with a member each, agenda items, attendance and action items."""
    partnership = world.partnership
    for n in range(size):
        agency = make.agency(partnership, None, Sector.MENTAL_HEALTH)
        member = make.member(partnership, agency=agency)
        make.session.add_all(
            [
                AgendaItem(
                    meeting_id=meeting.id,
                    position=n + 1,
                    title=f"Item {n}",
                    presenter_id=member.id,
                    proposed_by_id=member.id,
                    status=AgendaItemStatus.PROPOSED if n % 2 else AgendaItemStatus.ACCEPTED,
                ),
                Attendance(
                    meeting_id=meeting.id, membership_id=member.id, status=AttendanceStatus.ATTENDED
                ),
                ActionItem(
                    partnership_id=partnership.id,
                    meeting_id=meeting.id,
                    title=f"Action {n}",
                    owner_membership_id=member.id,
                    owner_agency_id=agency.id,
                ),
            ]
        )
    make.session.commit()


def held_meeting(make, world, days_ago: int):
    meeting = make.meeting(world.partnership, NOW - timedelta(days=days_ago))
    meeting.status = MeetingStatus.HELD
    return meeting


# The meetings list, one meeting and the action items: at most this many statements each.
MOST_QUERIES = 10


def with_minutes(make, meeting) -> Minutes:
    """Draft minutes on `meeting`."""
    minutes = Minutes(
        meeting_id=meeting.id, status=MinutesStatus.DRAFT, summary="Agreed the referral form."
    )
    make.session.add(minutes)
    make.session.commit()
    return minutes


def reopen(make, minutes: Minutes, times: int) -> None:
    """Record that the minutes were finalized and reopened for correction `times` more times
    (each final version is kept as a revision)."""
    for _ in range(times):
        make.session.add(
            MinutesRevision(
                minutes_id=minutes.id,
                version=minutes.version,
                content={"summary": f"Version {minutes.version}"},
                finalized_at=NOW - timedelta(days=2),
                reopened_at=NOW - timedelta(days=1),
                reopen_reason=f"Correction of version {minutes.version}",
            )
        )
        minutes.version += 1
    make.session.commit()


def past_meetings(make, world, count: int, first_days_ago: int = 40) -> None:
    """`count` held meetings a week apart, each with an open and a done action item."""
    for n in range(count):
        meeting = held_meeting(make, world, first_days_ago + 7 * n)
        make.session.flush()
        make.session.add_all(
            ActionItem(
                partnership_id=world.partnership.id,
                meeting_id=meeting.id,
                title=f"Follow up {n} ({status.value})",
                owner_membership_id=world.member.id,
                status=status,
            )
            for status in (ActionItemStatus.OPEN, ActionItemStatus.DONE)
        )
    make.session.commit()


def queries_for(client, count_queries, url: str) -> int:
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def test_pages_do_not_grow_with_meetings_items_and_members(
    client, login_as, world, make, count_queries, base
):
    small = held_meeting(make, world, 20)
    grow(make, world, small, 1)
    minutes = with_minutes(make, small)
    reopen(make, minutes, 1)
    past_meetings(make, world, 2)
    login_as(world.facilitator.user)
    pages = [
        f"{base}/meetings",
        f"{base}/meetings/{small.id}",
        f"{base}/meetings/{small.id}/print",
        f"{base}/meetings/{small.id}/minutes",
        f"{base}/meetings/{small.id}/attendance",
        f"{base}/meetings/attendance",
        f"{base}/action-items",
        "/calendar",
    ]
    before = {url: queries_for(client, count_queries, url) for url in pages}
    main_pages = [f"{base}/meetings", f"{base}/meetings/{small.id}", f"{base}/action-items"]
    assert all(before[url] <= MOST_QUERIES for url in main_pages), before

    past_meetings(make, world, 60)
    reopen(make, minutes, 4)
    for days in range(1, 8):
        grow(make, world, held_meeting(make, world, days), 3)
    make.series(world.partnership, starts_on=TODAY, rule="FREQ=WEEKLY")
    grow(make, world, small, 6)
    make.session.commit()
    after = {url: queries_for(client, count_queries, url) for url in pages}
    assert after == before
