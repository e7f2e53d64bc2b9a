"""Raising a question about sharing, assigning it, putting it on an agenda, answering it with
its legal basis, and acting on the answer in the procedures and the sharing matrix."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerhub.audit.services import record
from partnerhub.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from partnerhub.identifiers import screen
from partnerhub.meetings import services as meetings
from partnerhub.meetings.models import AgendaItem, AgendaItemKind, Meeting, MeetingStatus
from partnerhub.partnerships.models import Membership, PartnerAgency
from partnerhub.permissions import CONTRIBUTE, Action, can
from partnerhub.procedures import services as procedures
from partnerhub.procedures.models import InformationFlow, ProcedureStatus
from partnerhub.questions.models import Question, QuestionStatus

AGENDA_MINUTES = 10


@dataclass
class QuestionData:
    """What a member asks, between which agencies, and optionally about which flow."""

    title: str
    details: str
    from_agency_id: int | None
    to_agency_id: int | None
    flow_id: int | None = None
    assigned_to_id: int | None = None
    keep_reason: str | None = None  # why text that may identify a youth must stay


@dataclass
class AnswerData:
    answer: str
    legal_basis: str  # e.g. "34 CFR 99.31(a)(1)"
    keep_reason: str | None = None


def legal_advisors(session: Session, partnership_id: int) -> list[Membership]:
    """The partnership's active legal advisors, in the order they joined."""
    return list(
        session.scalars(
            select(Membership)
            .where(
                Membership.partnership_id == partnership_id,
                Membership.is_legal_advisor.is_(True),
                Membership.left_at.is_(None),
            )
            .order_by(Membership.joined_at, Membership.id)
        )
    )


def get_question(session: Session, partnership_id: int, question_id: int) -> Question:
    question = session.get(Question, question_id)
    if question is None or question.partnership_id != partnership_id:
        raise NotFound("There is no such question in this partnership.")
    return question


def raise_question(
    session: Session, membership: Membership, data: QuestionData, now: datetime
) -> Question:
    """Record a member's question; it goes to the advisor named, else the first legal advisor."""
    if not can(membership, CONTRIBUTE):
        raise PermissionDenied("Observers cannot raise questions; ask a member to.")
    question = Question(
        partnership_id=membership.partnership_id,
        raised_by_id=membership.id,
        raised_at=now,
        status=QuestionStatus.OPEN,
        answer="",
        legal_basis="",
    )
    _fill(session, membership, question, data, now)
    if question.assigned_to_id is None:
        advisors = legal_advisors(session, membership.partnership_id)
        question.assigned_to_id = advisors[0].id if advisors else None
    session.add(question)
    session.flush()
    _record(session, membership, "question.raised", question, "Raised", now)
    return question


def edit_question(
    session: Session, membership: Membership, question: Question, data: QuestionData, now: datetime
) -> Question:
    """Change an open question's wording, agencies, flow or advisor."""
    if not question.is_open:
        raise InvalidTransition("This question is answered; raise a new one instead.")
    if question.raised_by_id != membership.id and not can(membership, Action.QUESTION_ANSWER):
        raise PermissionDenied("Only who raised it, its advisors and facilitators change it.")
    _fill(session, membership, question, data, now)
    _record(session, membership, "question.edited", question, "Changed", now)
    return question


def _fill(
    session: Session, membership: Membership, question: Question, data: QuestionData, now
) -> None:
    partnership_id = membership.partnership_id
    title, details = data.title.strip(), data.details.strip()
    if not title:
        raise DomainError("Write the question.")
    sender = procedures.agency_of(session, partnership_id, data.from_agency_id)
    receiver = procedures.agency_of(session, partnership_id, data.to_agency_id)
    if data.flow_id is not None:
        flow = session.get(InformationFlow, data.flow_id)
        if flow is None or flow.partnership_id != partnership_id:
            raise DomainError("Choose a flow of this partnership's sharing matrix.")
    if data.assigned_to_id is not None:
        advisor = session.get(Membership, data.assigned_to_id)
        if advisor is None or advisor.partnership_id != partnership_id or not advisor.is_active:
            raise DomainError("Choose one of this partnership's legal advisors.")
        if not advisor.is_legal_advisor:
            raise DomainError("Questions go to legal advisors; mark them on the roster first.")
    screen(
        session,
        partnership_id,
        [title, details],
        keep_reason=data.keep_reason,
        actor=membership.user,
        now=now,
        what="a question about sharing",
    )
    question.title = title
    question.details = details
    question.from_agency_id = sender.id
    question.to_agency_id = receiver.id
    question.flow_id = data.flow_id
    if data.assigned_to_id is not None:
        question.assigned_to_id = data.assigned_to_id


def put_on_agenda(
    session: Session, membership: Membership, question: Question, meeting: Meeting, now: datetime
) -> AgendaItem:
    """Add the question to a coming meeting's agenda (a member's addition is a proposal);
    while it stays open it is carried forward with the agenda."""
    if not question.is_open:
        raise InvalidTransition("This question is answered; it needs no more discussion.")
    if meeting.partnership_id != question.partnership_id:
        raise NotFound("There is no such meeting in this partnership.")
    if meeting.status is not MeetingStatus.SCHEDULED or meeting.starts_at <= now:
        raise InvalidTransition("Choose a meeting still to come.")
    if any(item.question_id == question.id for item in meeting.agenda_items):
        raise DomainError("This question is already on that meeting's agenda.")
    item = meetings.add_agenda_item(
        session,
        membership,
        meeting,
        meetings.AgendaItemData(
            title=f"Question: {question.title}"[:200],
            minutes=AGENDA_MINUTES,
            kind=AgendaItemKind.SHARING_ISSUE,
            presenter_id=question.assigned_to_id,
            # The text passed the guard when the question was raised.
            keep_reason="kept when the question was raised",
        ),
        now,
    )
    item.question_id = question.id
    _record(session, membership, "question.on_agenda", question, "Put on the agenda", now)
    return item


def answer_question(
    session: Session, membership: Membership, question: Question, data: AnswerData, now: datetime
) -> Question:
    """Close the question with its answer and the law it rests on."""
    if not can(membership, Action.QUESTION_ANSWER, question):
        raise PermissionDenied("Legal advisors and facilitators answer questions.")
    if not question.is_open:
        raise InvalidTransition("This question is already answered.")
    answer, basis = data.answer.strip(), data.legal_basis.strip()
    if not answer:
        raise DomainError("Write the answer.")
    if not basis:
        raise DomainError("Name the legal basis, e.g. “34 CFR 99.31(a)(1)”.")
    screen(
        session,
        question.partnership_id,
        [answer, basis],
        keep_reason=data.keep_reason,
        actor=membership.user,
        now=now,
        what="an answer to a question about sharing",
    )
    question.answer = answer
    question.legal_basis = basis
    question.answered_by_id = membership.id
    question.answered_at = now
    question.status = QuestionStatus.ANSWERED
    _record(session, membership, "question.answered", question, "Answered", now, basis=basis)
    return question


def request_procedure_change(
    session: Session,
    membership: Membership,
    question: Question,
    procedure_id: int | None,
    now: datetime,
    *,
    keep_reason: str | None = None,
):
    """Ask, on the procedure's version in review, for the change the answer calls for."""
    _require_answered(membership, question)
    procedure = procedures.get_procedure(session, question.partnership_id, procedure_id or 0)
    version = procedure.open_version
    if version is None or version.status is not ProcedureStatus.IN_REVIEW:
        raise InvalidTransition(
            f"“{procedure.title}” has no version in review to ask changes on. Start a new "
            "version from its page and name this question in what changed."
        )
    change = procedures.request_changes(
        session,
        membership,
        procedure,
        version,
        f"Following the answer to “{question.title}”: {question.answer} ({question.legal_basis})",
        now,
        keep_reason=keep_reason,
    )
    session.flush()
    question.change_request_id = change.id
    _record(
        session,
        membership,
        "question.procedure_change",
        question,
        f"Asked for changes to “{procedure.title}” following",
        now,
    )
    return change


def change_matrix(
    session: Session,
    membership: Membership,
    question: Question,
    data: procedures.FlowData,
    now: datetime,
) -> InformationFlow:
    """Change the flow the question concerns as the answer says, or add the flow it allows."""
    _require_answered(membership, question)
    if question.flow_id is not None:
        flow = procedures.get_flow(session, question.partnership_id, question.flow_id)
        flow = procedures.update_flow(session, membership, flow, data, now)
        verb = "Changed the sharing matrix following"
    else:
        flow = procedures.add_flow(session, membership, data, now)
        verb = "Added a flow to the sharing matrix following"
    question.changed_flow_id = flow.id
    _record(session, membership, "question.matrix_change", question, verb, now)
    return flow


def _require_answered(membership: Membership, question: Question) -> None:
    if not can(membership, Action.QUESTION_ANSWER, question):
        raise PermissionDenied("Legal advisors and facilitators act on the answers.")
    if question.is_open:
        raise InvalidTransition("Answer the question first.")


def _record(session, membership, action, question, verb, now, **details) -> None:
    record(
        session,
        membership.user,
        action,
        question,
        f"{verb} the question “{question.title}”",
        now,
        partnership_id=question.partnership_id,
        details=details or None,
    )


def agencies(session: Session, partnership_id: int) -> list[PartnerAgency]:
    """The agencies a question may name: those at the table now."""
    return procedures.active_agencies(session, partnership_id)
