"""The questions' pages: the log of questions, raising and changing one, its page (answer,
agenda, what the answer changed), and the partnership's guidance, searched."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import login_required

from partnerhub import permissions
from partnerhub.db import utcnow
from partnerhub.errors import InvalidTransition, NotFound
from partnerhub.extensions import database
from partnerhub.identifiers import IdentifiersFound
from partnerhub.meetings.models import Meeting
from partnerhub.pagination import requested_page
from partnerhub.partnerships.registry import add_tab
from partnerhub.permissions import Action
from partnerhub.procedures import services as procedures
from partnerhub.procedures.forms import FlowForm
from partnerhub.procedures.permissions import acts_for
from partnerhub.questions import queries, services
from partnerhub.questions.forms import AgendaForm, AnswerForm, ProcedureChangeForm, QuestionForm
from partnerhub.questions.models import Question, QuestionStatus
from partnerhub.web import apply, load_partnership, local_time, require

blueprint = Blueprint("questions", __name__, url_prefix="/partnerships/<int:partnership_id>")
QUESTION = "/questions/<int:question_id>"

# The searchable guidance is the answered questions: one tab (the questions page links it).
add_tab("Questions", "questions.index", 75, section="act", covers=("questions.",))


@blueprint.route("/questions")
@login_required
def index(partnership_id: int):
    """The partnership's questions about sharing: open ones first, oldest first."""
    partnership = load_partnership(partnership_id)
    status = next((s for s in QuestionStatus if s.value == request.args.get("status")), None)
    page = queries.questions_page(
        database.session, partnership.id, status, requested_page(request.args)
    )
    return render_template(
        "questions/index.html",
        partnership=partnership,
        questions=page,
        status=status,
        statuses=list(QuestionStatus),
    )


@blueprint.route("/questions/guidance")
@login_required
def guidance(partnership_id: int):
    """The answered questions, searched by their words: the partnership's guidance."""
    partnership = load_partnership(partnership_id)
    text = request.args.get("q", "")[:200]
    found = queries.search_guidance(database.session, partnership.id, text) if text else None
    return render_template(
        "questions/guidance.html", partnership=partnership, text=text, found=found
    )


@blueprint.route("/questions/new", methods=["GET", "POST"])
@login_required
def new(partnership_id: int):
    """Raise a question."""
    partnership = load_partnership(partnership_id, permissions.CONTRIBUTE)
    form = _question_form(partnership)
    if request.method == "GET":
        form.from_agency_id.data = g.membership.partner_agency_id
    if form.validate_on_submit():
        raised = apply(
            services.raise_question,
            database.session,
            g.membership,
            form.question_data(),
            utcnow(),
            done="Question raised; its legal advisor will answer it.",
            at={IdentifiersFound: form.keep_reason, Exception: form},
        )
        if raised:
            return redirect(_question_url(raised.result))
    return render_template("questions/form.html", partnership=partnership, form=form)


@blueprint.route(QUESTION)
@login_required
def show(partnership_id: int, question_id: int):
    """A question: its answer, or the forms to discuss and answer it."""
    partnership = load_partnership(partnership_id)
    return _question_page(partnership, question_id)


@blueprint.route(QUESTION + "/edit", methods=["GET", "POST"])
@login_required
def edit(partnership_id: int, question_id: int):
    """Change an open question: who raised it, its advisors and facilitators."""
    partnership = load_partnership(partnership_id, permissions.CONTRIBUTE)
    question = _question(partnership, question_id)
    if question.raised_by_id != g.membership.id:
        require(Action.QUESTION_ANSWER, question)
    form = _question_form(partnership, obj=question if request.method == "GET" else None)
    if form.validate_on_submit():
        changed = apply(
            services.edit_question,
            database.session,
            g.membership,
            question,
            form.question_data(),
            utcnow(),
            done="Question changed.",
            at={IdentifiersFound: form.keep_reason, InvalidTransition: None, Exception: form},
        )
        if changed or isinstance(changed.refusal, InvalidTransition):
            return redirect(_question_url(question))
    return render_template(
        "questions/form.html", partnership=partnership, form=form, question=question
    )


@blueprint.route(QUESTION + "/agenda", methods=["POST"])
@login_required
def put_on_agenda(partnership_id: int, question_id: int):
    """Put the question on a coming meeting's agenda (a member's is a proposal)."""
    partnership = load_partnership(partnership_id, permissions.CONTRIBUTE)
    question = _question(partnership, question_id)
    form = _agenda_form(partnership)
    if not form.validate_on_submit():
        return _question_page(partnership, question.id, agenda_form=form)
    meeting = database.session.get(Meeting, form.meeting_id.data)
    apply(
        services.put_on_agenda,
        database.session,
        g.membership,
        question,
        meeting,
        utcnow(),
        done=f"On the agenda of {meeting.title}.",
    )
    return redirect(_question_url(question))


@blueprint.route(QUESTION + "/answer", methods=["POST"])
@login_required
def answer(partnership_id: int, question_id: int):
    """Close the question with its answer and legal basis."""
    partnership = load_partnership(partnership_id)
    question = _question(partnership, question_id)
    require(Action.QUESTION_ANSWER, question)
    if not question.is_open:  # answered meanwhile: its page shows the answer, not the form
        flash("This question is already answered.", "error")
        return redirect(_question_url(question))
    form = AnswerForm()
    if form.validate_on_submit():
        answered = apply(
            services.answer_question,
            database.session,
            g.membership,
            question,
            form.answer_data(),
            utcnow(),
            done="Answered: the answer is now part of the partnership's guidance.",
            at={IdentifiersFound: form.keep_reason, Exception: form},
        )
        if answered:
            return redirect(_question_url(question))
    return _question_page(partnership, question.id, answer_form=form)


@blueprint.route(QUESTION + "/procedure-change", methods=["POST"])
@login_required
def request_procedure_change(partnership_id: int, question_id: int):
    """Ask for changes to a procedure in review, as the answer says."""
    partnership = load_partnership(partnership_id)
    question = _question(partnership, question_id)
    require(Action.QUESTION_ANSWER, question)
    form = _procedure_change_form(partnership)
    if form.validate_on_submit():
        asked = apply(
            services.request_procedure_change,
            database.session,
            g.membership,
            question,
            form.procedure_id.data,
            utcnow(),
            keep_reason=form.kept_reason,
            done="Changes asked for; the procedure's page links back to this question.",
            at={IdentifiersFound: form.keep_reason, Exception: form.procedure_id},
        )
        if asked:
            return redirect(_question_url(question))
    return _question_page(partnership, question.id, change_form=form)


@blueprint.route(QUESTION + "/matrix-change", methods=["GET", "POST"])
@login_required
def change_matrix(partnership_id: int, question_id: int):
    """Change the flow the question concerns, or add the flow its answer allows."""
    partnership = load_partnership(partnership_id)
    question = _question(partnership, question_id)
    require(Action.QUESTION_ANSWER, question)
    flow = question.flow_id and procedures.get_flow(
        database.session, partnership.id, question.flow_id
    )
    form = _flow_form(partnership, question, flow)
    if form.validate_on_submit():
        changed = apply(
            services.change_matrix,
            database.session,
            g.membership,
            question,
            form.flow_data(),
            utcnow(),
            done="The sharing matrix follows the answer; the flow links back to this question.",
            at=form,
        )
        if changed:
            return redirect(_question_url(question))
    return render_template(
        "questions/matrix_change.html",
        partnership=partnership,
        question=question,
        flow=flow,
        form=form,
    )


# --- loading and forms -----------------------------------------------------------------------


def _question(partnership, question_id: int) -> Question:
    try:
        return services.get_question(database.session, partnership.id, question_id)
    except NotFound:
        abort(404)


def _question_url(question: Question) -> str:
    return url_for(
        "questions.show", partnership_id=question.partnership_id, question_id=question.id
    )


def _question_form(partnership, obj=None) -> QuestionForm:
    session = database.session
    form = QuestionForm(obj=obj)
    form.set_choices(
        services.agencies(session, partnership.id),
        queries.flows_of(session, partnership.id),
        services.legal_advisors(session, partnership.id),
    )
    return form


def _agenda_form(partnership) -> AgendaForm:
    form = AgendaForm()
    meetings = queries.coming_meetings(database.session, partnership.id, utcnow())
    form.set_meetings(
        meetings, lambda m: f"{m.title}, {local_time(m.starts_at, partnership.timezone)}"
    )
    return form


def _procedure_change_form(partnership) -> ProcedureChangeForm:
    form = ProcedureChangeForm()
    in_review = procedures.procedures_in_review(database.session, [partnership.id])
    form.set_procedures([procedure for procedure, _version in in_review])
    return form


def _flow_form(partnership, question: Question, flow) -> FlowForm:
    session = database.session
    agencies = procedures.active_agencies(session, partnership.id)
    form = FlowForm(obj=flow if request.method == "GET" else None)
    form.set_choices(
        [a for a in agencies if acts_for(g.membership, a.id)],
        agencies,
        [p for p in procedures.partnership_procedures(session, partnership.id) if not p.is_retired],
    )
    if request.method == "GET":
        note = f"Following the answer to “{question.title}” ({question.legal_basis})."
        if flow is None:
            form.from_agency_id.data = question.from_agency_id
            form.to_agency_id.data = question.to_agency_id
        else:
            form.legal_basis.data = flow.legal_basis.value if flow.legal_basis else ""
        form.notes.data = f"{flow.notes}\n{note}".strip() if flow else note
    return form


def _question_page(partnership, question_id: int, **forms):
    view = queries.question_view(database.session, partnership.id, question_id)
    if view is None:
        abort(404)
    return render_template(
        "questions/show.html",
        partnership=partnership,
        view=view,
        question=view.question,
        answer_form=forms.get("answer_form") or AnswerForm(),
        agenda_form=forms.get("agenda_form") or _agenda_form(partnership),
        change_form=forms.get("change_form") or _procedure_change_form(partnership),
        may_answer=permissions.can(g.membership, Action.QUESTION_ANSWER, view.question),
    )
