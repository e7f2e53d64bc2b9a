"""Training's pages: the partnership's trainings, its coverage grid and settings, and each
person's own record; with its overview panel and dashboard items."""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from partnerhub import permissions
from partnerhub.db import utcnow
from partnerhub.errors import NotFound
from partnerhub.extensions import database
from partnerhub.partnerships.models import Sector
from partnerhub.partnerships.registry import Attention, add_tab, attention_source, panel
from partnerhub.partnerships.services import local_today
from partnerhub.procedures.models import Framework
from partnerhub.training import queries, services
from partnerhub.training.forms import TrainingForm, TrainingSettingsForm
from partnerhub.training.models import TrainingFormat
from partnerhub.training.queries import Status
from partnerhub.web import apply, load_partnership

blueprint = Blueprint("training", __name__)
PARTNERSHIP = "/partnerships/<int:partnership_id>/training"
TRAINING = PARTNERSHIP + "/<int:training_id>"

# Coverage, settings and sessions sit under one tab (the training page links them).
add_tab("Training", "training.index", 80, section="act", covers=("training.",))


@blueprint.route(PARTNERSHIP)
@login_required
def index(partnership_id: int):
    """The trainings the partnership has held, latest first."""
    partnership = load_partnership(partnership_id)
    return _render(
        "training/index.html",
        partnership,
        trainings=queries.trainings(database.session, partnership.id),
    )


@blueprint.route(PARTNERSHIP + "/new", methods=["GET", "POST"])
@login_required
def new(partnership_id: int):
    return _training_form(load_partnership(partnership_id, permissions.MANAGE), None)


@blueprint.route(TRAINING)
@login_required
def show(partnership_id: int, training_id: int):
    partnership = load_partnership(partnership_id)
    training = _training(partnership, training_id)
    return _render(
        "training/show.html",
        partnership,
        training=training,
        attendees=queries.attendees(database.session, training.id),
    )


@blueprint.route(TRAINING + "/edit", methods=["GET", "POST"])
@login_required
def edit(partnership_id: int, training_id: int):
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    return _training_form(partnership, _training(partnership, training_id))


@blueprint.route(TRAINING + "/remove", methods=["POST"])
@login_required
def remove(partnership_id: int, training_id: int):
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    training = _training(partnership, training_id)
    apply(
        services.remove_training,
        database.session,
        current_user,
        training,
        utcnow(),
        done=f"The training “{training.title}” is removed.",
    )
    return redirect(url_for(".index", partnership_id=partnership.id))


@blueprint.route(PARTNERSHIP + "/coverage")
@login_required
def coverage(partnership_id: int):
    """Agencies by frameworks: who is trained, until when, and who is missing."""
    partnership = load_partnership(partnership_id)
    today = local_today(partnership, utcnow())
    found = queries.coverage(database.session, [partnership.id], today)[partnership.id]
    return _render("training/coverage.html", partnership, coverage=found, Status=Status)


@blueprint.route(PARTNERSHIP + "/settings", methods=["GET", "POST"])
@login_required
def settings(partnership_id: int):
    """How long a training stays current, and which kinds of agency need which frameworks."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    form = TrainingSettingsForm()
    if request.method == "GET":
        policy = queries.policies(database.session, [partnership.id])[partnership.id]
        form.current_months.data = policy.current_months
        for sector in Sector:
            form.needs_field(sector).data = [f.value for f in policy.requirements.get(sector, ())]
    if form.validate_on_submit() and apply(
        services.save_policy,
        database.session,
        current_user,
        partnership,
        form.policy_data(),
        utcnow(),
        done="Training settings saved.",
        at=form.current_months,
    ):
        return redirect(url_for(".coverage", partnership_id=partnership.id))
    return _render("training/settings.html", partnership, form=form, sectors=list(Sector))


@blueprint.route("/training/mine")
@login_required
def my_record():
    """The signed-in person's trainings, in every partnership they are on, ready to print."""
    now = utcnow()
    entries = queries.own_record(
        database.session, current_user.id, lambda partnership: local_today(partnership, now)
    )
    return render_template(
        "training/record.html", entries=entries, framework_labels=_framework_labels()
    )


def _training_form(partnership, training):
    form = TrainingForm()
    form.attendees.choices = queries.roster_choices(database.session, partnership.id)
    if request.method == "GET" and training is not None:
        form.title.data = training.title
        form.frameworks.data = list(training.frameworks)
        form.held_on.data = training.held_on
        form.format.data = training.format.value
        form.trainer.data = training.trainer
        form.materials.data = "\n".join(training.materials)
        form.attendees.data = [m.id for m, _a in queries.attendees(database.session, training.id)]
    if form.validate_on_submit():
        data = form.training_data()
        service, args = (
            (services.record_training, (partnership,))
            if training is None
            else (services.edit_training, (partnership, training))
        )
        saved = apply(
            service,
            database.session,
            current_user,
            *args,
            data,
            utcnow(),
            done=f"The training “{data.title.strip()}” is recorded.",
            at=form,
        )
        if saved:
            return redirect(
                url_for(".show", partnership_id=partnership.id, training_id=saved.result.id)
            )
    return _render("training/form.html", partnership, form=form, training=training)


def _training(partnership, training_id: int):
    try:
        return services.training_of(database.session, partnership.id, training_id)
    except NotFound:
        abort(404)


def _render(template: str, partnership, **context):
    return render_template(
        template,
        partnership=partnership,
        membership=g.get("membership"),
        framework_labels=_framework_labels(),
        formats={f.value: f.label for f in TrainingFormat},
        **context,
    )


def _framework_labels() -> dict[str, str]:
    return {f.value: f.label for f in Framework}


# --- on the overview and the dashboard -----------------------------------------------------


@panel("training/_panel.html", 60)
def _overview_panel(session, partnership, today) -> dict:
    """Who is not trained, lapsed or lapsing, on the partnership overview (the people of a
    partnership not keeping track of training are None)."""
    people = queries.trainees(session, [partnership.id], today).get(partnership.id)
    lines = []
    for status in (Status.MISSING, Status.LAPSED, Status.LAPSING):
        named = [
            f"{person.name} ({', '.join(s.framework.label for s in standings)})"
            for person in people or ()
            if (standings := [s for s in person.standings if s.status is status])
        ]
        if named:
            lines.append((status, named[:PANEL_PEOPLE], len(named) - PANEL_PEOPLE))
    return {"trainees": people, "training_lines": lines}


PANEL_PEOPLE = 5


@attention_source
def _training_gaps(session, partnership_ids: list[int], today) -> list[Attention]:
    """One line per partnership whose people are untrained, lapsed or lapsing."""
    items = []
    for partnership_id, people in queries.trainees(session, partnership_ids, today).items():
        counts = Counter(s.status for person in people for s in person.standings)
        untrained = counts[Status.MISSING] + counts[Status.LAPSED]
        if untrained or counts[Status.LAPSING]:
            items.append(
                Attention(
                    partnership_id,
                    "Training: " + summary(counts),
                    url_for("training.coverage", partnership_id=partnership_id),
                    severity="danger" if untrained else "warning",
                )
            )
    return items


def summary(counts: Counter[Status]) -> str:
    """'2 not trained, 1 lapsed, 3 lapsing soon' (people by frameworks)."""
    parts = [
        f"{counts[status]} {status.label.lower()}"
        for status in (Status.MISSING, Status.LAPSED, Status.LAPSING)
        if counts[status]
    ]
    return ", ".join(parts) or "everyone is trained"
