"""What the question pages, the sweep and the annual report read, each in a fixed number of
statements; and the search of the answered questions, the partnership's guidance."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from partnerhub.meetings.models import AgendaItem, Meeting, MeetingStatus
from partnerhub.pagination import Page, page_of
from partnerhub.partnerships.models import Membership, Partnership
from partnerhub.procedures.models import ChangeRequest, InformationFlow, ProcedureVersion
from partnerhub.questions.models import (
    SEARCH_DOCUMENT,
    SQLITE_SEARCH_TABLE,
    Question,
    QuestionStatus,
)

# A question still open this many days after it was raised is flagged.
OPEN_TOO_LONG_DAYS = 30
SEARCH_LIMIT = 50


def _with_people():
    agency = (joinedload(Question.from_agency), joinedload(Question.to_agency))
    people = (
        joinedload(Question.assigned_to).joinedload(Membership.user),
        joinedload(Question.raised_by).joinedload(Membership.user),
        joinedload(Question.answered_by).joinedload(Membership.user),
    )
    return (*agency, *people)


def questions_page(
    session: Session, partnership_id: int, status: QuestionStatus | None, number: int
) -> Page[Question]:
    """One page of the partnership's questions: open ones oldest first, then answered ones
    latest first."""
    parameters = {"partnership_id": partnership_id, "status": status}
    return page_of(session, _listed(status is not None), number, parameters=parameters)


@cache
def _listed(of_status: bool) -> sa.Select:
    # built once for each filter, as a page's reads are (see `pagination.page_of`)
    query = (
        sa.select(Question)
        .where(Question.partnership_id == sa.bindparam("partnership_id"))
        .options(*_with_people())
        .order_by(
            Question.status == QuestionStatus.ANSWERED,
            Question.answered_at.desc(),
            Question.raised_at,
            Question.id,
        )
    )
    if of_status:
        query = query.where(Question.status == sa.bindparam("status"))
    return query


@dataclass(frozen=True)
class QuestionView:
    """A question with what the page shows around it."""

    question: Question
    agenda_items: list[AgendaItem]
    change_request: ChangeRequest | None
    changed_flow: InformationFlow | None


def question_view(session: Session, partnership_id: int, question_id: int) -> QuestionView | None:
    """The question, its agenda items with their meetings, and what its answer changed."""
    question = session.scalars(
        sa.select(Question)
        .where(Question.id == question_id, Question.partnership_id == partnership_id)
        .options(*_with_people(), joinedload(Question.flow))
    ).first()
    if question is None:
        return None
    items = list(
        session.scalars(
            sa.select(AgendaItem)
            .where(AgendaItem.question_id == question.id)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .options(joinedload(AgendaItem.meeting))
            .order_by(Meeting.starts_at)
        )
    )
    change = None
    if question.change_request_id is not None:
        change = session.scalars(
            sa.select(ChangeRequest)
            .where(ChangeRequest.id == question.change_request_id)
            .options(joinedload(ChangeRequest.version).joinedload(ProcedureVersion.procedure))
        ).first()
    flow = (
        session.get(InformationFlow, question.changed_flow_id) if question.changed_flow_id else None
    )
    return QuestionView(question, items, change, flow)


def coming_meetings(session: Session, partnership_id: int, now: datetime) -> list[Meeting]:
    """The next scheduled meetings, whose agendas a question can join."""
    return list(
        session.scalars(
            sa.select(Meeting)
            .where(
                Meeting.partnership_id == partnership_id,
                Meeting.status == MeetingStatus.SCHEDULED,
                Meeting.starts_at > now,
            )
            .order_by(Meeting.starts_at)
            .limit(6)
        )
    )


def flows_of(session: Session, partnership_id: int) -> list[InformationFlow]:
    return list(
        session.scalars(
            sa.select(InformationFlow)
            .where(InformationFlow.partnership_id == partnership_id)
            .order_by(InformationFlow.from_agency_id, InformationFlow.id)
        ).unique()
    )


def questions_behind(
    session: Session, *, change_request_ids=(), flow_ids=()
) -> dict[tuple[str, int], Question]:
    """The questions whose answers led to these change requests and matrix flows, keyed
    ("change_request", id) and ("flow", id): the procedures' pages link back to them."""
    change_request_ids, flow_ids = list(change_request_ids), list(flow_ids)
    if not change_request_ids and not flow_ids:
        return {}
    found = session.scalars(
        sa.select(Question).where(
            sa.or_(
                Question.change_request_id.in_(change_request_ids),
                Question.changed_flow_id.in_(flow_ids),
                Question.flow_id.in_(flow_ids),
            )
        )
    )
    behind: dict[tuple[str, int], Question] = {}
    for question in found:
        if question.change_request_id in change_request_ids:
            behind[("change_request", question.change_request_id)] = question
        if question.changed_flow_id in flow_ids:
            behind[("flow", question.changed_flow_id)] = question
        if question.flow_id in flow_ids:
            behind.setdefault(("flow", question.flow_id), question)
    return behind


# --- the guidance: answered questions, searched -------------------------------------------


def search_guidance(session: Session, partnership_id: int, text: str) -> list[Question]:
    """The answered questions matching every word of `text`, best first, in one query:
    PostgreSQL's text search (its GIN index), or SQLite's FTS5 index."""
    words = re.findall(r"\w+", text)
    if not words:
        return []
    query = (
        sa.select(Question)
        .where(Question.partnership_id == partnership_id)
        .where(Question.status == QuestionStatus.ANSWERED)
        .options(*_with_people())
        .limit(SEARCH_LIMIT)
    )
    if session.get_bind().dialect.name == "postgresql":
        document = sa.literal_column(SEARCH_DOCUMENT)
        # The text as typed: parsed like the document, "99.36" stays one word.
        wanted = sa.func.plainto_tsquery(sa.literal_column("'english'"), text)
        query = query.where(document.op("@@")(wanted)).order_by(
            sa.func.ts_rank(document, wanted).desc(), Question.answered_at.desc()
        )
    else:
        # Each word quoted: FTS5 reads it as a term (all must match), never as syntax.
        terms = " ".join('"{}"'.format(word.replace('"', '""')) for word in words)
        index = sa.table(SQLITE_SEARCH_TABLE, sa.column("rowid"), sa.column("rank"))
        query = (
            query.join(index, index.c.rowid == Question.id)
            .where(sa.literal_column(SQLITE_SEARCH_TABLE).op("MATCH")(terms))
            .order_by(index.c.rank, Question.answered_at.desc())
        )
    return list(session.scalars(query).unique())


# --- the sweep ------------------------------------------------------------------------------


def open_too_long(session: Session, partnership_ids: list[int], now: datetime) -> list[Question]:
    """The partnerships' questions open for more than OPEN_TOO_LONG_DAYS, with their advisor."""
    return list(
        session.scalars(
            sa.select(Question)
            .where(
                Question.partnership_id.in_(partnership_ids),
                Question.status == QuestionStatus.OPEN,
                Question.raised_at <= now - timedelta(days=OPEN_TOO_LONG_DAYS),
            )
            .options(joinedload(Question.assigned_to).joinedload(Membership.user))
            .order_by(Question.id)
        )
    )


# --- the annual report ----------------------------------------------------------------------


@dataclass(frozen=True)
class YearFigures:
    """Questions over a period: raised in it, answered in it, open at its end, and the median
    days from raising to answer of those answered in it (None when none were)."""

    raised: int
    answered: int
    still_open: int
    median_days_to_answer: float | None


def year_figures(session: Session, partnership_id: int, start: date, end: date) -> YearFigures:
    """The questions' figures from `start` to `end` (both included, in the partnership's time
    zone), in two statements."""
    zone = ZoneInfo(
        session.scalar(sa.select(Partnership.timezone).where(Partnership.id == partnership_id))
    )
    begins = datetime.combine(start, time(), zone)
    ends = datetime.combine(end + timedelta(days=1), time(), zone)
    rows = session.execute(
        sa.select(Question.raised_at, Question.answered_at).where(
            Question.partnership_id == partnership_id, Question.raised_at < ends
        )
    ).all()
    raised = sum(1 for r in rows if r.raised_at >= begins)
    answered = [r for r in rows if r.answered_at is not None and begins <= r.answered_at < ends]
    still_open = sum(1 for r in rows if r.answered_at is None or r.answered_at >= ends)
    days = [(r.answered_at - r.raised_at).total_seconds() / 86400 for r in answered]
    median = round(statistics.median(days), 1) if days else None
    return YearFigures(raised, len(answered), still_open, median)
