"""The demo's meetings: a second-Tuesday series with a history and an agenda ahead."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from partnerhub.demo import DemoWorld
from partnerhub.meetings import demo, queries, reminders
from partnerhub.meetings.models import ActionItem, Meeting, MeetingStatus, Minutes
from partnerhub.meetings.recurrence import to_local
from partnerhub.partnerships.models import Membership, Role, Sector

NOW = datetime(2026, 11, 23, 17, tzinfo=UTC)


def test_demo_meetings_tell_a_story(make, db):
    facilitator_user = make.user("Fiona Facilitator")
    partnership = make.partnership(facilitator_user)
    agencies = {
        sector: make.agency(partnership, f"Demo {sector.value}", sector)
        for sector in (Sector.SCHOOL, Sector.LAW_ENFORCEMENT, Sector.CHILD_WELFARE)
    }
    for agency in agencies.values():
        agency.joined_on = date(2025, 1, 1)
    facilitator = db.scalars(
        select(Membership).where(Membership.partnership_id == partnership.id)
    ).one()
    members = [facilitator] + [
        make.member(partnership, role=Role.MEMBER, agency=agency) for agency in agencies.values()
    ]
    world = DemoWorld(
        now=NOW,
        partnership=partnership,
        facilitator=facilitator,
        agencies=agencies,
        members=members,
    )
    demo.extend(db, world)
    db.commit()

    meetings = db.scalars(select(Meeting).order_by(Meeting.starts_at)).all()
    zone = ZoneInfo("America/Denver")
    assert {to_local(m.starts_at, zone).strftime("%a %H:%M") for m in meetings} == {"Tue 15:00"}
    past = [m for m in meetings if m.ends_at < NOW]
    assert len(past) == 6 and all(m.status is MeetingStatus.HELD for m in past)
    assert db.scalar(select(func.count(Minutes.id)).where(Minutes.status == "final")) == 6
    assert db.scalar(select(func.count(ActionItem.id)).where(ActionItem.status == "open")) == 2
    upcoming = [m for m in meetings if m.ends_at >= NOW]
    assert len(upcoming[0].agenda_items) > len(demo.AGENDA_TEMPLATE)
    titles = [item.title for item in upcoming[0].agenda_items]
    assert len(titles) == len(set(titles)), "standing items are not carried twice"
    planned = sum(item.minutes for item in upcoming[0].agenda_items if not item.is_proposed)
    assert planned == 85 + 2 * 5  # the standing items, and a follow-up per open action item
    assert upcoming[3].status is MeetingStatus.CANCELLED
    (absent,) = reminders.absence_runs(db, [partnership.id])
    assert absent.agency.id == agencies[Sector.CHILD_WELFARE].id
    assert absent.missed == past[-3:]
    assert queries.overdue_action_items(db, [partnership.id], NOW.date()) == {partnership.id: 1}
