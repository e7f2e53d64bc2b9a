"""Routes of the procedures module: the sharing matrix, then procedures and their versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerhub import permissions
from partnerhub.db import utcnow
from partnerhub.errors import NotFound
from partnerhub.extensions import database
from partnerhub.identifiers import IdentifiersFound
from partnerhub.library import services as library
from partnerhub.pagination import requested_page
from partnerhub.partnerships import registry
from partnerhub.partnerships.models import Membership, PartnerAgency, Partnership, Stage
from partnerhub.partnerships.services import local_today
from partnerhub.partnerships.snapshot import memberships_key, shared
from partnerhub.permissions import Action
from partnerhub.procedures import services
from partnerhub.procedures.diff import side_by_side_diff, unified_diff
from partnerhub.procedures.forms import (
    ChangeRequestForm,
    FlowForm,
    NewProcedureForm,
    ProcedureForm,
    RecordSignOffsForm,
    SignOffForm,
    agency_choices,
)
from partnerhub.procedures.markdown import render_markdown
from partnerhub.procedures.models import Procedure
from partnerhub.procedures.permissions import acts_for, may_record_sign_off, may_sign_for
from partnerhub.questions.queries import questions_behind
from partnerhub.web import apply, csv_download, load_partnership, require

blueprint = Blueprint("procedures", __name__, url_prefix="/partnerships/<int:partnership_id>")
# The partnership's own page, under whichever name the partnerships module gives it.
OVERVIEW_ENDPOINTS = ("partnerships.overview", "partnerships.show", "partnerships.detail")


@blueprint.context_processor
def _partnership_navigation() -> dict:
    def partnership_href(partnership: Partnership) -> str:
        for endpoint in OVERVIEW_ENDPOINTS:
            if endpoint in current_app.view_functions:
                return url_for(endpoint, partnership_id=partnership.id)
        return url_for("procedures.index", partnership_id=partnership.id)

    return {"partnership_href": partnership_href}


# --- the sharing matrix ----------------------------------------------------------------------


@blueprint.route("/matrix")
@login_required
def matrix(partnership_id: int):
    """The matrix as a grid: who shares with whom."""
    partnership = load_partnership(partnership_id)
    flows = services.partnership_flows(database.session, partnership.id, procedures=False)
    agencies = services.active_agencies(database.session, partnership.id)
    grid = services.matrix_grid(flows, agencies)
    return render_template(
        "procedures/matrix.html", partnership=partnership, flows=flows, grid=grid
    )


@blueprint.route("/matrix/list")
@login_required
def matrix_list(partnership_id: int):
    """The matrix as a list, one flow per row, gaps flagged."""
    partnership = load_partnership(partnership_id)
    flows = services.partnership_flows(database.session, partnership.id)
    return render_template(
        "procedures/matrix_list.html",
        partnership=partnership,
        flows=flows,
        questions=questions_behind(database.session, flow_ids=[f.id for f in flows]),
    )


@blueprint.route("/matrix.csv")
@login_required
def matrix_csv(partnership_id: int):
    """The matrix as a spreadsheet."""
    partnership = load_partnership(partnership_id)
    flows = services.partnership_flows(database.session, partnership.id)
    return csv_download(services.flows_csv(flows), f"sharing-matrix-{partnership.id}.csv")


@blueprint.route("/matrix/flows/new", methods=["GET", "POST"])
@login_required
def new_flow(partnership_id: int):
    """Add a flow to the matrix."""
    partnership = load_partnership(partnership_id, permissions.CONTRIBUTE)
    form = _flow_form(partnership)
    if form.validate_on_submit() and apply(
        services.add_flow,
        database.session,
        g.membership,
        form.flow_data(),
        utcnow(),
        done="Flow added to the matrix.",
    ):
        return redirect(url_for(".matrix_list", partnership_id=partnership.id))
    return render_template("procedures/flow_form.html", form=form, partnership=partnership)


@blueprint.route("/matrix/flows/<int:flow_id>/edit", methods=["GET", "POST"])
@login_required
def edit_flow(partnership_id: int, flow_id: int):
    """Change a flow of the matrix."""
    partnership = load_partnership(partnership_id, permissions.CONTRIBUTE)
    flow = _found(services.get_flow, database.session, partnership.id, flow_id)
    require(Action.FLOW_EDIT, flow)
    form = _flow_form(partnership, obj=flow)
    if request.method == "GET":
        form.legal_basis.data = flow.legal_basis.value if flow.legal_basis else ""
    if form.validate_on_submit() and apply(
        services.update_flow,
        database.session,
        g.membership,
        flow,
        form.flow_data(),
        utcnow(),
        done="Flow updated.",
    ):
        return redirect(url_for(".matrix_list", partnership_id=partnership.id))
    return render_template(
        "procedures/flow_form.html",
        form=form,
        partnership=partnership,
        flow=flow,
        questions=questions_behind(database.session, flow_ids=[flow.id]),
    )


@blueprint.route("/matrix/flows/<int:flow_id>/delete", methods=["POST"])
@login_required
def delete_flow(partnership_id: int, flow_id: int):
    """Remove a flow from the matrix."""
    partnership = load_partnership(partnership_id, permissions.CONTRIBUTE)
    flow = _found(services.get_flow, database.session, partnership.id, flow_id)
    require(Action.FLOW_EDIT, flow)
    apply(
        services.delete_flow,
        database.session,
        g.membership,
        flow,
        utcnow(),
        done="Flow removed from the matrix.",
    )
    return redirect(url_for(".matrix_list", partnership_id=partnership.id))


# --- procedures ------------------------------------------------------------------------------


@blueprint.route("/procedures")
@login_required
def index(partnership_id: int):
    """The procedures, a page at a time: owner, version in force, status, next review, who
    has not signed."""
    partnership = load_partnership(partnership_id)
    procedures = services.procedures_page(
        database.session, partnership.id, requested_page(request.args)
    )
    agencies = services.active_agencies(database.session, partnership.id)
    return render_template(
        "procedures/index.html",
        partnership=partnership,
        procedures=procedures,
        agencies=agencies,
        pending=services.pending_agencies,
        today=local_today(partnership, utcnow()),
    )


@blueprint.route("/procedures/new", methods=["GET", "POST"])
@login_required
def new(partnership_id: int):
    """Write a new procedure for an agency."""
    partnership = load_partnership(partnership_id, permissions.CONTRIBUTE)
    form = NewProcedureForm()
    owners = _owners(partnership)
    form.owning_agency_id.choices = agency_choices(owners, first="Choose the owner")
    if not form.is_submitted() and g.membership.partner_agency_id in {a.id for a in owners}:
        form.owning_agency_id.data = g.membership.partner_agency_id  # one's own, most often
    template_id = request.args.get("template", type=int)
    if not form.is_submitted() and (
        template := library.draft_source(database.session, partnership.id, template_id)
    ):
        form.title.data, form.body_markdown.data = template.title, template.body_markdown
        form.change_summary.data = f"First version, from “{template.title}”"
    created = form.validate_on_submit() and apply(
        services.create_procedure,
        database.session,
        g.membership,
        form.owning_agency_id.data,
        form.procedure_text(),
        utcnow(),
        done="Procedure saved as a draft. Submit it for sign-off when it is ready.",
        at={IdentifiersFound: form.keep_reason},
    )
    if created:
        return redirect(_procedure_url(created.result))
    return render_template("procedures/procedure_form.html", form=form, partnership=partnership)


@blueprint.route("/procedures/<int:procedure_id>")
@login_required
def show(partnership_id: int, procedure_id: int):
    """A procedure: the version being worked on (or the one in force) and its history."""
    partnership = load_partnership(partnership_id)
    procedure = _procedure(partnership, procedure_id)
    version = procedure.open_version or procedure.effective_version or procedure.latest_version
    return _render_version(partnership, procedure, version)


@blueprint.route("/procedures/<int:procedure_id>/versions/<int:number>")
@login_required
def version(partnership_id: int, procedure_id: int, number: int):
    """One version of a procedure, as it was written."""
    partnership = load_partnership(partnership_id)
    procedure = _procedure(partnership, procedure_id)
    chosen = _found(services.get_version, procedure, number)
    return _render_version(partnership, procedure, chosen)


@blueprint.route("/procedures/<int:procedure_id>/edit", methods=["GET", "POST"])
@login_required
def edit(partnership_id: int, procedure_id: int):
    """Edit a procedure: saving makes a new draft version."""
    partnership = load_partnership(partnership_id, permissions.CONTRIBUTE)
    procedure = _procedure(partnership, procedure_id)
    require(Action.PROCEDURE_EDIT, procedure)
    latest = procedure.latest_version
    form = ProcedureForm(
        data=None
        if request.method == "POST"
        else {
            "title": procedure.title,
            "body_markdown": latest.body_markdown,
            "legal_bases": latest.legal_bases,
            "review_cadence_months": procedure.review_cadence_months,
        }
    )
    if form.validate_on_submit() and apply(
        services.revise_procedure,
        database.session,
        g.membership,
        procedure,
        form.procedure_text(),
        utcnow(),
        done="New version saved as a draft. Submit it for sign-off when it is ready.",
        at={IdentifiersFound: form.keep_reason},
    ):
        return redirect(_procedure_url(procedure))
    return render_template(
        "procedures/procedure_form.html", form=form, partnership=partnership, procedure=procedure
    )


@blueprint.route("/procedures/<int:procedure_id>/submit", methods=["POST"])
@login_required
def submit(partnership_id: int, procedure_id: int):
    """Send the draft to every agency for sign-off."""
    partnership = load_partnership(partnership_id, permissions.CONTRIBUTE)
    procedure = _procedure(partnership, procedure_id)
    require(Action.PROCEDURE_EDIT, procedure)
    return _act(
        procedure,
        "Submitted for sign-off by every agency.",
        services.submit_for_review,
        database.session,
        g.membership,
        procedure,
        utcnow(),
    )


@blueprint.route("/procedures/<int:procedure_id>/versions/<int:number>/sign-off", methods=["POST"])
@login_required
def sign_off(partnership_id: int, procedure_id: int, number: int):
    """Sign a version off for the agency I represent as liaison or alternate."""
    partnership = load_partnership(partnership_id, permissions.CONTRIBUTE)
    procedure = _procedure(partnership, procedure_id)
    chosen = _found(services.get_version, procedure, number)
    form = SignOffForm()
    if not form.validate_on_submit():
        abort(400)
    return _act(
        procedure,
        f"Signed off version {number}.",
        services.sign_off,
        database.session,
        g.membership,
        procedure,
        chosen,
        form.agency,
        utcnow(),
    )


@blueprint.route("/procedures/<int:procedure_id>/versions/<int:number>/sign-offs", methods=["POST"])
@login_required
def record_sign_offs(partnership_id: int, procedure_id: int, number: int):
    """Record several agencies' sign-offs in one step: a facilitator on their behalf."""
    partnership = load_partnership(partnership_id, permissions.CONTRIBUTE)
    procedure = _procedure(partnership, procedure_id)
    chosen = _found(services.get_version, procedure, number)
    form = RecordSignOffsForm()
    form.set_agencies(_recordable(partnership, chosen))
    if not form.validate_on_submit():
        return _render_version(partnership, procedure, chosen, record_form=form), 400
    return _act(
        procedure,
        f"Recorded {len(form.agencies.data)} sign-off{'s' if len(form.agencies.data) > 1 else ''}.",
        services.record_sign_offs,
        database.session,
        g.membership,
        procedure,
        chosen,
        form.agencies.data,
        utcnow(),
    )


def _recordable(partnership: Partnership, version) -> list[PartnerAgency]:
    """The agencies yet to sign `version` whose sign-off the viewer may record."""
    agencies = services.active_agencies(database.session, partnership.id)
    return [
        a
        for a in services.pending_agencies(version, agencies)
        if may_record_sign_off(g.membership, a)
    ]


@blueprint.route(
    "/procedures/<int:procedure_id>/versions/<int:number>/request-changes",
    methods=["POST"],
)
@login_required
def request_changes(partnership_id: int, procedure_id: int, number: int):
    """Send a version in review back to draft, saying what should change."""
    partnership = load_partnership(partnership_id, permissions.CONTRIBUTE)
    procedure = _procedure(partnership, procedure_id)
    chosen = _found(services.get_version, procedure, number)
    form = ChangeRequestForm()
    if not form.validate_on_submit():
        return _render_version(partnership, procedure, chosen, change_form=form), 400
    requested = apply(
        services.request_changes,
        database.session,
        g.membership,
        procedure,
        chosen,
        form.comment.data,
        utcnow(),
        keep_reason=form.kept_reason,
        done=f"Changes requested; version {number} is back in draft.",
        at={IdentifiersFound: form.keep_reason},
    )
    if isinstance(requested.refusal, IdentifiersFound):  # shown at the form, with what was typed
        procedure = _procedure(partnership, procedure_id)  # reloaded after the rollback
        chosen = services.get_version(procedure, number)
        return _render_version(partnership, procedure, chosen, change_form=form)
    return redirect(_procedure_url(procedure))


@blueprint.route("/procedures/<int:procedure_id>/review", methods=["POST"])
@login_required
def review(partnership_id: int, procedure_id: int):
    """Record that the procedure in force was reviewed and still holds."""
    partnership = load_partnership(partnership_id, permissions.CONTRIBUTE)
    procedure = _procedure(partnership, procedure_id)
    require(Action.PROCEDURE_EDIT, procedure)
    return _act(
        procedure,
        "Review recorded.",
        services.record_review,
        database.session,
        g.membership,
        procedure,
        utcnow(),
    )


@blueprint.route("/procedures/<int:procedure_id>/retire", methods=["POST"])
@login_required
def retire(partnership_id: int, procedure_id: int):
    """Take a procedure out of force; its history stays."""
    partnership = load_partnership(partnership_id, permissions.CONTRIBUTE)
    procedure = _procedure(partnership, procedure_id)
    require(Action.PROCEDURE_EDIT, procedure)
    return _act(
        procedure,
        "Procedure retired.",
        services.retire_procedure,
        database.session,
        g.membership,
        procedure,
        utcnow(),
    )


@blueprint.route("/procedures/<int:procedure_id>/compare")
@login_required
def compare(partnership_id: int, procedure_id: int):
    """Compare two versions of a procedure, side by side or as a unified diff."""
    partnership = load_partnership(partnership_id)
    procedure = _procedure(partnership, procedure_id)
    latest = procedure.latest_version.number
    old = _found(services.get_version, procedure, request.args.get("from", max(latest - 1, 1), int))
    new = _found(services.get_version, procedure, request.args.get("to", latest, int))
    mode = "unified" if request.args.get("mode") == "unified" else "side"
    differ = unified_diff if mode == "unified" else side_by_side_diff
    return render_template(
        "procedures/compare.html",
        partnership=partnership,
        procedure=procedure,
        old=old,
        new=new,
        mode=mode,
        rows=differ(old.body_markdown, new.body_markdown),
    )


# --- helpers ---------------------------------------------------------------------------------


def _found(lookup, *args):
    """Call a service lookup; NotFound (another partnership's id, a missing one) becomes 404."""
    try:
        return lookup(*args)
    except NotFound:
        abort(404)


def _procedure(partnership: Partnership, procedure_id: int) -> Procedure:
    return _found(services.get_procedure, database.session, partnership.id, procedure_id)


def _procedure_url(procedure: Procedure | services.WaitingProcedure) -> str:
    return url_for(
        "procedures.show", partnership_id=procedure.partnership_id, procedure_id=procedure.id
    )


def _act(procedure: Procedure, success: str, service, *args):
    """Run one state change; a refused one is explained on the procedure's page."""
    apply(service, *args, done=success)
    return redirect(_procedure_url(procedure))


def _owners(partnership: Partnership):
    """Agencies the viewer may write for: all for facilitators, their own for members."""
    agencies = services.active_agencies(database.session, partnership.id)
    return [a for a in agencies if acts_for(g.membership, a.id)]


def _flow_form(partnership: Partnership, obj=None) -> FlowForm:
    session = database.session
    agencies = services.active_agencies(session, partnership.id)
    senders = [a for a in agencies if acts_for(g.membership, a.id)]
    procedures = [
        p for p in services.partnership_procedures(session, partnership.id) if not p.is_retired
    ]
    form = FlowForm(obj=obj)
    form.set_choices(senders, agencies, procedures)
    return form


def _render_version(partnership, procedure, version, change_form=None, record_form=None):
    agencies = services.active_agencies(database.session, partnership.id)
    pending = services.pending_agencies(version, agencies)
    if record_form is None:
        record_form = RecordSignOffsForm(formdata=None)
        record_form.set_agencies([a for a in pending if may_record_sign_off(g.membership, a)])
    return render_template(
        "procedures/show.html",
        partnership=partnership,
        procedure=procedure,
        version=version,
        body=render_markdown(version.body_markdown),
        agencies=agencies,
        pending=pending,
        signable=[a for a in agencies if may_sign_for(g.membership, a)],
        change_form=change_form or ChangeRequestForm(),
        sign_form=SignOffForm(),
        questions=questions_behind(
            database.session, change_request_ids=[c.id for c in version.change_requests]
        ),
        record_form=record_form,
    )


# --- what the partnership's pages show from this module --------------------------------------

registry.add_tab(
    "Sharing matrix",
    "procedures.matrix",
    40,
    section="plan",
    covers=(
        "procedures.matrix",
        "procedures.new_flow",
        "procedures.edit_flow",
        "procedures.delete_flow",
    ),
)
registry.add_tab("Procedures", "procedures.index", 50, section="plan", covers=("procedures.",))
registry.computed_check(
    Stage.PLAN,
    "matrix_legal_basis",
    "Every flow in the sharing matrix has a legal basis",
    order=60,
    help="Each flow names the law that allows it; a state statute names its citation.",
)(services.legal_basis_check)
registry.computed_check(
    Stage.PLAN,
    "matrix_procedures_approved",
    "The procedures the matrix names are approved",
    order=70,
    help="Every flow names its governing procedure, and every agency has signed it off.",
)(services.approved_procedures_check)

REVIEW_WARNING_DAYS = 30


@registry.panel("procedures/_panel.html", order=40)
def overview_panel(session: Session, partnership: Partnership, today: date) -> dict:
    """Procedures awaiting sign-off and reviews falling due, for the partnership overview."""
    awaiting, due = services.sign_offs_and_reviews_due(
        session, [partnership.id], today + timedelta(days=REVIEW_WARNING_DAYS)
    )
    return {"awaiting_sign_off": awaiting, "reviews_due": due, "today": today}


@registry.attention_source
def attention(session: Session, partnership_ids: list[int], today: date):
    """Reviews due within a month (overdue ones first) and versions awaiting sign-offs."""
    items = []
    horizon = today + timedelta(days=REVIEW_WARNING_DAYS)
    awaiting, due = services.sign_offs_and_reviews_due(session, partnership_ids, horizon)
    for procedure in due:
        overdue = procedure.next_review_on < today
        items.append(
            registry.Attention(
                partnership_id=procedure.partnership_id,
                label=f"Review {'overdue' if overdue else 'due'}: “{procedure.title}”",
                url=_procedure_url(procedure),
                severity="danger" if overdue else "warning",
                due=procedure.next_review_on,
                owned_by=(
                    registry.OwnerRef(
                        procedure.partnership_id, agency_id=procedure.owning_agency_id
                    ),
                ),
            )
        )
    mine = _viewer_memberships(session, partnership_ids)
    for procedure, version, waiting in awaiting:
        viewer = mine.get(procedure.partnership_id)
        yours = [a for a in waiting if may_sign_for(viewer, a)]
        if yours:
            names = ", ".join(a.name for a in yours)
            label = f"Your sign-off is needed for {names}: “{procedure.title}” v{version.number}"
        else:
            names = ", ".join(a.name for a in waiting)
            label = f"“{procedure.title}” v{version.number} awaits sign-off: {names}"
        items.append(
            registry.Attention(
                partnership_id=procedure.partnership_id,
                label=label,
                url=_procedure_url(procedure),
                severity=registry.ATTENTION,
            )
        )
    return items


def _viewer_memberships(session: Session, partnership_ids: list[int]) -> dict[int, Membership]:
    """The logged-in viewer's memberships, so the dashboard can say which sign-offs are theirs."""
    if not has_request_context() or not current_user.is_authenticated:
        return {}

    def read() -> dict[int, Membership]:  # only when the page has not read them already
        query = select(Membership).where(
            Membership.user_id == current_user.id,
            Membership.partnership_id.in_(partnership_ids),
            Membership.left_at.is_(None),
        )
        return {m.partnership_id: m for m in session.scalars(query).unique()}

    return shared(session, memberships_key(current_user.id), read)


@dataclass(frozen=True)
class MySignOff:
    """A version in review that agencies I sign off for have yet to sign."""

    procedure: services.WaitingProcedure
    version: services.VersionInReview
    agencies: list[services.Signer]
    partnership: Partnership


@registry.my_work("sign_offs", "Sign-offs waiting for you", "procedures/_my_sign_offs.html", 30)
def my_sign_offs(session: Session, viewer: registry.Viewer) -> list[MySignOff]:
    """Versions in review my agency has to sign off, where I may sign off for it."""
    awaiting = services.awaiting_sign_off(session, viewer.partnership_ids)
    found = []
    for procedure, version, waiting in awaiting:
        me = viewer.memberships[procedure.partnership_id]
        mine = [agency for agency in waiting if may_sign_for(me, agency)]
        if mine:
            found.append(
                MySignOff(procedure, version, mine, viewer.partnerships[procedure.partnership_id])
            )
    return found
