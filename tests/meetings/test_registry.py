"""What the meetings module adds to partnership pages: tabs, a panel and a stage check."""

from __future__ import annotations

from datetime import date, timedelta

from partnerhub.meetings import queries
from partnerhub.meetings.models import ActionItem
from partnerhub.partnerships.models import Stage
from partnerhub.partnerships.registry import registry
from tests.clock import NOW, TODAY


def test_tabs_panel_and_partner_stage_check(app, world, make, db):
    assert {"meetings.index", "meetings.action_items"} <= {t.endpoint for t in registry.tabs}
    check = next(c for c in registry.checks if c.key == "partner.cadence")
    panel = next(p for p in registry.panels if p.template == "meetings/_panel.html")
    assert check.stage is Stage.PARTNER and check.required
    assert not check.compute(db, world.partnership, TODAY).done

    make.series(world.partnership, starts_on=TODAY + timedelta(days=1))
    db.add(ActionItem(partnership_id=world.partnership.id, title="Sign", due_on=TODAY))
    db.flush()
    result = check.compute(db, world.partnership, TODAY)
    assert result.done
    assert result.detail == "Monthly on the second Tuesday, 15:00\N{EN DASH}16:30 (America/Denver)"
    context = panel.load(db, world.partnership, TODAY)
    assert context["next_meeting"].starts_at > NOW
    assert [a.title for a in context["open_action_items"]] == ["Sign"]
    with app.test_request_context():
        html = app.jinja_env.get_template("meetings/_panel.html").render(
            partnership=world.partnership, panel=context
        )
    assert "Monthly partner review" in html and "Sign" in html
    assert "Meets monthly on the second Tuesday, 15:00\N{EN DASH}16:30 (America/Denver)" in html


def test_the_active_series_is_the_standing_one_with_meetings_ahead(world, make, db):
    partnership_id = world.partnership.id
    ended = make.series(
        world.partnership, rule="FREQ=MONTHLY;BYDAY=+2TU;COUNT=2", starts_on=date(2025, 6, 10)
    )
    assert queries.active_series(db, [partnership_id], NOW) == {}
    standing = make.series(world.partnership, rule="FREQ=WEEKLY;BYDAY=MO", starts_on=TODAY)
    make.series(world.partnership, rule="FREQ=MONTHLY;BYMONTHDAY=20", starts_on=TODAY)
    assert ended.id < standing.id
    assert queries.active_series(db, [partnership_id], NOW) == {partnership_id: standing}
