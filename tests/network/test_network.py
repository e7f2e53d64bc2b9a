"""The network view: every partnership's stage, next meeting, attendance and what falls due,
sortable and as CSV, for site administrators only, in a fixed number of queries."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from sqlalchemy import select

from partnerhub.audit.models import AuditEvent
from partnerhub.meetings.models import Attendance, AttendanceStatus, MeetingStatus
from partnerhub.notifications.models import FlagKind
from partnerhub.partnerships.models import Stage
from tests.clock import NOW, TODAY


def held(make, partnership, members, attended: int, days_ago: int = 20):
    meeting = make.meeting(partnership, NOW - timedelta(days=days_ago))
    meeting.status = MeetingStatus.HELD
    for n, member in enumerate(members):
        status = AttendanceStatus.ATTENDED if n < attended else AttendanceStatus.ABSENT
        make.session.add(Attendance(meeting_id=meeting.id, membership_id=member.id, status=status))
    return meeting


def busy_partnership(make, name: str):
    """A partnership with a held meeting (3 of 4 attended), one ahead, an agreement expiring
    in 30 days, a procedure review overdue, an open flag, and two people's training lapsing
    (one of them acknowledged, still lapsing) beside one renewed since."""
    partnership = make.partnership(make.user(), name=name)
    agency = make.agency(partnership)
    members = [make.member(partnership, agency=agency) for _ in range(4)]
    held(make, partnership, members, attended=3)
    make.meeting(partnership, NOW + timedelta(days=9))
    make.agreement(partnership, [agency], expires_on=TODAY + timedelta(days=30))
    make.procedure(agency, status="approved", next_review_on=TODAY - timedelta(days=3))
    make.flag(partnership)
    for person, settled in ((1, {}), (2, {"acknowledged_at": NOW}), (3, {"resolved_at": NOW})):
        make.flag(
            partnership,
            kind=FlagKind.TRAINING_LAPSE,
            subject=f"training:{partnership.id}:{person}",
            title="Training lapses",
            **settled,
        )
    return partnership


def test_each_partnership_shows_its_figures(client, login_as, world, make, db):
    busy_partnership(make, "Grossmont Union Partnership")
    db.commit()
    login_as(world.admin)
    page = client.get("/admin/network").get_data(as_text=True)
    row = page.split("Grossmont Union Partnership")[1].split("</tr>")[0]
    cells = [re.sub(r"<[^>]+>", "", cell.split(">", 1)[1]).strip() for cell in row.split("<td")[1:]]
    assert cells[0] == "Partner"
    assert "Mar 2026" in cells[1]  # next meeting, nine days ahead
    assert cells[2:] == ["75%", "1", "1", "2", "2"]
    helena = page.split("Helena Youth Partnership")[1].split("</tr>")[0]
    assert "none scheduled" in helena and "no meetings held" in helena
    assert "Meets" not in helena


def test_each_partnership_shows_how_often_it_meets(client, login_as, world, make, db):
    make.series(world.partnership, rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", starts_on=TODAY)
    db.commit()
    login_as(world.admin)
    page = client.get("/admin/network").get_data(as_text=True)
    helena = page.split("Helena Youth Partnership")[1].split("</tr>")[0]
    assert "Meets every two weeks on Tuesday, 15:00\N{EN DASH}16:30 (America/Denver)" in helena
    rows = list(csv.reader(io.StringIO(client.get("/admin/network.csv").get_data(as_text=True))))
    assert rows[0][-1] == "Meets"
    (helena_row,) = [row for row in rows if row[0] == "Helena Youth Partnership"]
    assert helena_row[-1] == "Every two weeks on Tuesday, 15:00\N{EN DASH}16:30 (America/Denver)"


def test_the_network_sorts_and_downloads(client, login_as, world, make, db):
    busy_partnership(make, "Alpha County Partnership").stage = Stage.ACT
    db.commit()
    login_as(world.admin)
    page = client.get("/admin/network?sort=flags&dir=desc").get_data(as_text=True)
    assert page.index("Alpha County Partnership") < page.index("Helena Youth Partnership")
    assert 'aria-sort="descending"' in page
    by_name = client.get("/admin/network?sort=nonsense").get_data(as_text=True)
    assert by_name.index("Alpha County") < by_name.index("Helena Youth")
    download = client.get("/admin/network.csv?sort=stage&dir=desc")
    assert download.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows[0][:3] == ["Partnership", "Community", "Stage"]
    assert rows[1][0] == "Alpha County Partnership" and rows[1][2] == "Act"
    assert rows[1][4:] == ["75%", "1", "1", "2", "2", ""]


def test_every_look_is_in_the_activity_log(client, login_as, world, db):
    login_as(world.admin)
    client.get("/admin/network")
    client.get("/admin/network.csv")
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "network.viewed")).all()
    assert [e.actor_id for e in events] == [world.admin.id, world.admin.id]


def test_partnership_members_and_facilitators_may_not_see_it(client, login_as, world):
    login_as(world.facilitator.user)
    assert client.get("/admin/network").status_code == 403


def test_the_query_count_does_not_grow_with_the_partnerships(
    client, login_as, world, make, db, count_queries
):
    login_as(world.admin)
    busy_partnership(make, "Partnership 1")
    db.commit()
    with count_queries() as few:
        assert client.get("/admin/network").status_code == 200
    for n in range(2, 51):
        busy_partnership(make, f"Partnership {n}")
    db.commit()
    with count_queries() as many:
        page = client.get("/admin/network").get_data(as_text=True)
    assert "Partnership 50" in page
    assert len(many) == len(few)
