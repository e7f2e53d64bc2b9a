"""The demo partnership's annual report renders, its figures following from how the demo is
made: six monthly meetings held since September, child welfare missing the last three, and
the mental-health referral procedure's yearly review passed unrecorded."""

from __future__ import annotations

from sqlalchemy import select

from partnerhub.demo import load_demo
from partnerhub.partnerships.models import Membership, Partnership, Role
from partnerhub.report.registry import Period, default_start, sections
from tests.clock import NOW, today_in


def test_the_demo_report_renders_with_its_year(client, db, login_as):
    load_demo(db, NOW)
    db.commit()
    partnership = db.scalar(select(Partnership))
    facilitator = db.scalar(
        select(Membership).where(
            Membership.partnership_id == partnership.id, Membership.role == Role.FACILITATOR
        )
    )
    login_as(facilitator.user)
    page = client.get(f"/partnerships/{partnership.id}/report")
    assert page.status_code == 200
    assert "Annual report: March 2025 to February 2026" in page.get_data(as_text=True)

    today = today_in(partnership)
    period = Period(default_start(today), partnership.timezone, today)
    report = {s.key: s.load(db, partnership, period) for s in sections()}
    meetings = dict(report["meetings"].summary)
    assert (meetings["Planned"], meetings["Held"], meetings["Cancelled"]) == (6, "6 (100%)", 0)
    [welfare] = [row for row in report["attendance"].tables[0].rows if "Child and Family" in row[0]]
    assert welfare[-2] == "0/3 (0%)"
    reviews = report["procedures"].tables[0].rows
    assert [(row[0], row[4]) for row in reviews] == [("Mental-health referral status", "Not done")]
