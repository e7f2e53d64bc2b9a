"""The dashboard of a person's partnerships, a partnership's overview, and creating and
changing a partnership."""

from __future__ import annotations

from flask import (
    g,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup

from partnerhub import permissions
from partnerhub.audit.services import recent_activity
from partnerhub.db import utcnow
from partnerhub.errors import Conflict, DomainError
from partnerhub.extensions import database
from partnerhub.partnerships import (
    checks,  # noqa: F401  (registers the stage checklist items)
    services,
)
from partnerhub.partnerships.forms import (
    PartnershipForm,
)
from partnerhub.partnerships.registry import Viewer, registry
from partnerhub.partnerships.snapshot import shared_reads
from partnerhub.partnerships.views import blueprint
from partnerhub.partnerships.views.common import _today
from partnerhub.web import Outcome, apply, load_partnership


@blueprint.route("/")
@login_required
def dashboard():
    """What to do next: my meetings ahead, action items, sign-offs and signatures waiting,
    then my partnerships with what needs attention in each."""
    now = utcnow()
    with shared_reads(database.session):  # what needs attention and what is mine read once
        rows = services.dashboard(database.session, current_user, now.date())
        viewer = _viewer([(row.partnership, row.membership) for row in rows], now)
        work = [
            (part, part.load(database.session, viewer))
            for part in registry.my_work
            if part.on_dashboard
        ]
    return render_template("partnerships/dashboard.html", rows=rows, work=work)


@blueprint.route("/waiting")
@login_required
def waiting():
    """Everything waiting for me to act on, across my partnerships."""
    now = utcnow()
    rows = services.my_partnerships(database.session, current_user)
    viewer = _viewer(rows, now)
    work = [
        (part, [item for item in part.load(database.session, viewer) if part.waiting(item)])
        for part in registry.my_work
    ]
    return render_template("partnerships/waiting.html", has_partnerships=bool(rows), work=work)


def _viewer(rows, now) -> Viewer:
    """The viewer from their (partnership, membership) pairs."""
    pairs = [(row[0], row[1]) for row in rows]
    return Viewer(current_user, {p.id: p for p, _ in pairs}, {p.id: m for p, m in pairs}, now)


def _details(form: PartnershipForm) -> services.PartnershipDetails:
    return services.PartnershipDetails(
        name=form.name.data,
        community=form.community.data,
        purpose=form.purpose.data or "",
        timezone=form.timezone.data,
        absence_flag_after=form.absence_flag_after.data,
    )


def _save_details(form: PartnershipForm, action, *args, done) -> Outcome:
    """Call a partnership service with the form's details; a taken name shows at the name,
    any other refusal at the time zone."""
    return apply(
        action,
        database.session,
        current_user,
        *args,
        _details(form),
        utcnow(),
        done=done,
        at={Conflict: form.name, DomainError: form.timezone},
    )


@blueprint.route("/partnerships/new", methods=["GET", "POST"])
@login_required
def new_partnership():
    """Start a partnership; its creator becomes its facilitator."""
    form = PartnershipForm()
    created = form.validate_on_submit() and _save_details(
        form,
        services.create_partnership,
        done=lambda partnership: f"{partnership.name} is created. Next, add its agencies.",
    )
    if created:
        return redirect(url_for(".overview", partnership_id=created.result.id))
    return render_template("partnerships/edit.html", form=form, partnership=None)


@blueprint.route("/partnerships/<int:partnership_id>")
@login_required
def overview(partnership_id: int):
    """A partnership at a glance: stage, purpose, checklist, panels, recent activity."""
    partnership = load_partnership(partnership_id, loading=services.WITH_TICKS)
    today = _today(partnership)
    db = database.session
    with shared_reads(db):  # panels and checks read the agencies, agreements, … once
        panels = [_render_panel(p, db, partnership, today) for p in registry.panels]
        checklist = services.checklist(db, partnership, today)
    activity = []
    if permissions.can(g.membership, permissions.MANAGE):
        activity = recent_activity(db, partnership.id)
    return render_template(
        "partnerships/overview.html",
        partnership=partnership,
        checklist=checklist,
        panels=panels,
        activity=activity,
    )


def _render_panel(registered, db, partnership, today) -> Markup:
    """A panel's template, given its loader's values both by name and as `panel`."""
    values = registered.load(db, partnership, today)
    context = {"partnership": partnership, "panel": values, **values}
    return Markup(render_template(registered.template, **context))


@blueprint.route("/partnerships/<int:partnership_id>/edit", methods=["GET", "POST"])
@login_required
def edit_partnership(partnership_id: int):
    """Change the partnership's name, community, purpose, time zone and absence setting."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    form = PartnershipForm(obj=partnership)
    if form.validate_on_submit() and _save_details(
        form, services.update_partnership, partnership, done="The partnership is updated."
    ):
        return redirect(url_for(".overview", partnership_id=partnership.id))
    return render_template("partnerships/edit.html", form=form, partnership=partnership)
