"""Stages: the checklist, ticks by hand, and moving between stages."""

from __future__ import annotations

from flask import (
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import login_required

from partnerhub import permissions
from partnerhub.db import utcnow
from partnerhub.extensions import database
from partnerhub.partnerships import (
    checks,  # noqa: F401  (registers the stage checklist items)
    services,
)
from partnerhub.partnerships.forms import (
    StageForm,
    TickForm,
)
from partnerhub.partnerships.models import Stage
from partnerhub.partnerships.views import blueprint
from partnerhub.partnerships.views.common import _change, _today
from partnerhub.web import load_partnership


@blueprint.route("/partnerships/<int:partnership_id>/stages")
@login_required
def stages(partnership_id: int):
    """The current stage's checklist, advancing or going back, and the history of moves."""
    partnership = load_partnership(partnership_id, loading=services.WITH_TICKS)
    db = database.session
    today = _today(partnership)
    later = [s for s in Stage if s.position > partnership.stage.position]
    return render_template(
        "partnerships/stages.html",
        partnership=partnership,
        checklist=services.checklist(db, partnership, today),
        upcoming=[(s, services.checklist(db, partnership, today, s)) for s in later],
        transitions=services.transitions(db, partnership),
        tick_form=TickForm(),
        stage_form=StageForm(),
    )


@blueprint.route("/partnerships/<int:partnership_id>/checklist/<key>/tick", methods=["POST"])
@login_required
def tick(partnership_id: int, key: str):
    """Tick a hand-checked item."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    form = TickForm()
    if form.validate_on_submit():
        _change(services.tick, partnership, key, form.note.data or "", utcnow(), done=None)
    for error in form.note.errors:
        flash(f"The note was not saved: {error}", "error")
    return redirect(url_for(".stages", partnership_id=partnership.id))


@blueprint.route("/partnerships/<int:partnership_id>/checklist/<key>/untick", methods=["POST"])
@login_required
def untick(partnership_id: int, key: str):
    """Take a tick back."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    _change(services.untick, partnership, key, utcnow(), done=None)
    return redirect(url_for(".stages", partnership_id=partnership.id))


@blueprint.route("/partnerships/<int:partnership_id>/stage/advance", methods=["POST"])
@login_required
def advance(partnership_id: int):
    """Move to the next stage (an override needs a reason)."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    form = StageForm()
    if form.validate_on_submit():
        _change(
            services.advance,
            partnership,
            form.reason.data or "",
            utcnow(),
            done=lambda _: f"The partnership is now in the {partnership.stage.label} stage.",
        )
    return redirect(url_for(".stages", partnership_id=partnership.id))


@blueprint.route("/partnerships/<int:partnership_id>/stage/back", methods=["POST"])
@login_required
def go_back(partnership_id: int):
    """Return to the previous stage, with a reason."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    form = StageForm()
    if form.validate_on_submit():
        _change(
            services.go_back,
            partnership,
            form.reason.data or "",
            utcnow(),
            done=lambda _: f"The partnership is back in the {partnership.stage.label} stage.",
        )
    return redirect(url_for(".stages", partnership_id=partnership.id))
