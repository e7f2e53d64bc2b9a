"""What questions flag: a question still open 30 days after it was raised, once, naming the
legal advisor who owns it; the flag resolves when the question is answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from partnerhub.notifications import (
    FlagKind,
    Partnerships,
    SweepReport,
    flag,
    flag_subject,
    no_id,
    resolve_flags,
    sweep_step,
)
from partnerhub.questions.models import Question
from partnerhub.questions.queries import OPEN_TOO_LONG_DAYS, open_too_long

KIND = FlagKind.QUESTION_OPEN_LONG
THRESHOLD = f"open_{OPEN_TOO_LONG_DAYS}_days"


@dataclass(frozen=True)
class Flagged:
    """What the flag says about a question: its partnership and a title naming its owner."""

    partnership_id: int
    title: str


def flagged(question: Question) -> Flagged:
    owner = question.assigned_to.user.name if question.assigned_to else "no legal advisor yet"
    suffix = f" (open over {OPEN_TOO_LONG_DAYS} days; with {owner})"
    return Flagged(question.partnership_id, question.title[: 300 - len(suffix)] + suffix)


@sweep_step(order=45)
def sweep_questions_open_too_long(
    session: Session, now: datetime, partnerships: Partnerships, report: SweepReport
) -> None:
    """Flag each question open more than 30 days; resolve the flags of those answered."""
    still_open = set()
    today_of = {i: today for today, ids in partnerships.by_today.items() for i in ids}
    for question in open_too_long(session, list(today_of), now):
        subject = f"question:{question.id}"
        still_open.add(subject)
        # The date it fell due never moves (UTC), so each question is flagged once.
        due_on = (question.raised_at + timedelta(days=OPEN_TOO_LONG_DAYS)).astimezone(UTC).date()
        today = today_of[question.partnership_id]
        flagged_question = flagged(question)
        flag(session, KIND, subject, flagged_question, due_on, THRESHOLD, today, report)
    report.flags_resolved += resolve_flags(session, KIND, still_open, now)


@flag_subject("question")
def question_owners() -> Select:
    """An open question is its legal advisor's to answer."""
    return select(Question.id, Question.assigned_to_id, no_id())
