"""A question open more than 30 days is flagged once by the sweep, naming its legal advisor;
answering it resolves the flag."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from partnerhub.notifications import sweep
from partnerhub.notifications.models import Flag, FlagKind
from tests.clock import NOW
from tests.questions.conftest import answer


@pytest.fixture
def run_sweep(app):
    """Sweep at `now` in a session of its own, committed, like the worker does."""

    def run(now):
        database = app.extensions["partnerhub.database"]
        with app.app_context(), database.transaction() as session:
            return sweep(session, now)

    return run


def question_flags(db) -> list[Flag]:
    db.expire_all()
    return list(db.scalars(select(Flag).where(Flag.kind == FlagKind.QUESTION_OPEN_LONG)))


def test_a_question_open_over_30_days_is_flagged_once_naming_its_advisor(db, ask, run_sweep):
    question = ask()
    run_sweep(NOW + timedelta(days=29, hours=23))
    assert question_flags(db) == []

    raised = [run_sweep(NOW + timedelta(days=30, hours=h)).flags_raised for h in (0, 1, 30)]
    raised.append(run_sweep(NOW + timedelta(days=45)).flags_raised)

    assert raised == [1, 0, 0, 0]
    flag = question_flags(db)[0]
    assert flag.subject == f"question:{question.id}"
    assert flag.title.startswith(question.title)
    assert "with Dana Counsel" in flag.title
    assert flag.is_open


def test_a_flag_names_the_advisor_the_question_moved_to(db, ask, run_sweep, make, world):
    question = ask()
    run_sweep(NOW + timedelta(days=31))
    other = make.member(world.partnership, make.user("Hal Hipaa"), legal_advisor=True)
    question.assigned_to_id = other.id
    db.commit()
    run_sweep(NOW + timedelta(days=32))
    assert "with Hal Hipaa" in question_flags(db)[0].title


def test_answering_the_question_resolves_its_flag(db, ask, run_sweep, desk):
    question = ask()
    run_sweep(NOW + timedelta(days=31))
    answer(db, desk.advisor, question, now=NOW + timedelta(days=32))

    report = run_sweep(NOW + timedelta(days=33))

    assert report.flags_resolved == 1
    assert question_flags(db)[0].resolved_at is not None


def test_a_question_answered_in_time_is_never_flagged(db, ask, run_sweep, desk):
    answer(db, desk.advisor, ask(), now=NOW + timedelta(days=3))
    run_sweep(NOW + timedelta(days=40))
    assert question_flags(db) == []
