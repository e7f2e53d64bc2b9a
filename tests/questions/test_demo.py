"""The demo partnership's questions: answered guidance on citations, mental health and 42 CFR
Part 2, one open on the next agenda, one open long enough to be flagged."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from partnerhub.demo import load_demo
from partnerhub.meetings.models import AgendaItem
from partnerhub.notifications import sweep
from partnerhub.notifications.models import Flag, FlagKind
from partnerhub.partnerships.models import Partnership
from partnerhub.questions.models import Question
from partnerhub.questions.queries import search_guidance
from tests.clock import NOW


def test_the_demo_has_answered_guidance_and_open_questions(db, app):
    load_demo(db, NOW)
    db.commit()
    partnership = db.scalar(select(Partnership))
    questions = db.scalars(select(Question)).all()
    assert sum(q.is_open for q in questions) == 2
    assert all(q.assigned_to_id for q in questions)
    assert [q.legal_basis for q in search_guidance(db, partnership.id, "Part 2 consent")] == [
        "42 CFR 2.31, 2.32 and 2.64"
    ]
    assert search_guidance(db, partnership.id, "citation counselor")
    on_agenda = db.scalars(select(AgendaItem).where(AgendaItem.question_id.is_not(None))).all()
    assert len(on_agenda) == 1

    with app.app_context():
        sweep(db, NOW + timedelta(minutes=5))
    flags = db.scalars(select(Flag).where(Flag.kind == FlagKind.QUESTION_OPEN_LONG)).all()
    assert [f.title for f in flags] == [
        "May child protection tell the school's threat assessment team that a family has an "
        "open case? (open over 30 days; with David Chen)"
    ]
