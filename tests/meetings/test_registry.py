"""What the meetings module adds to partnership pages: tabs, a panel and a stage check."""

from __future__ import annotations

from datetime import timedelta

from partnerhub.meetings.models import ActionItem
from partnerhub.partnerships.models import Stage
from partnerhub.partnerships.registry import registry
from tests.clock import NOW, TODAY


def test_tabs_panel_and_partner_stage_check(app, world, make, db):
    assert {"meetings.index", "meetings.action_items"} <= {t.endpoint for t in registry.tabs}
    check = next(c for c in registry.checks if c.key == "meetings.regular_series")
    panel = next(p for p in registry.panels if p.template == "meetings/_panel.html")
    assert check.stage is Stage.PARTNER and not check.required
    assert not check.compute(db, world.partnership, TODAY).done

    make.series(world.partnership, starts_on=TODAY + timedelta(days=1))
    db.add(ActionItem(partnership_id=world.partnership.id, title="Sign", due_on=TODAY))
    db.flush()
    assert check.compute(db, world.partnership, TODAY).done
    context = panel.load(db, world.partnership, TODAY)
    assert context["next_meeting"].starts_at > NOW
    assert [a.title for a in context["open_action_items"]] == ["Sign"]
    with app.test_request_context():
        html = app.jinja_env.get_template("meetings/_panel.html").render(
            partnership=world.partnership, panel=context
        )
    assert "Monthly partner review" in html and "Sign" in html
