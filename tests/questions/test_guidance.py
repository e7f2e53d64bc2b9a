"""Answered questions are the partnership's guidance: searched by their words in one query,
on SQLite (FTS5) and PostgreSQL (text search on a GIN index) alike."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from partnerhub.questions.models import SEARCH_DOCUMENT
from partnerhub.questions.queries import search_guidance
from tests.questions.conftest import answer


@pytest.fixture
def guidance(db, ask, desk):
    """Three answered questions and an open one."""
    citation = answer(db, desk.advisor, ask("May the SRO tell the counselor about a citation?"))
    crisis = answer(
        db,
        desk.advisor,
        ask("May the school call the crisis team about a threat of self-harm?"),
        answer="Yes, in a health or safety emergency, and record the threat.",
        legal_basis="34 CFR 99.36",
    )
    treatment = answer(
        db,
        desk.advisor,
        ask("May the treatment program confirm attendance to probation?"),
        answer="Only with the youth's written consent naming probation, with the "
        "re-disclosure notice.",
        legal_basis="42 CFR 2.31 and 2.32",
    )
    still_open = ask("May probation see the counselor's notes about a citation?")
    return {"citation": citation, "crisis": crisis, "treatment": treatment, "open": still_open}


def titles(found) -> list[str]:
    return [question.title for question in found]


def test_search_finds_answered_questions_by_the_words_of_question_answer_or_basis(
    db, world, guidance
):
    assert titles(search_guidance(db, world.partnership.id, "citation")) == [
        guidance["citation"].title
    ]
    assert titles(search_guidance(db, world.partnership.id, "emergency")) == [
        guidance["crisis"].title
    ]
    assert titles(search_guidance(db, world.partnership.id, "99.36")) == [guidance["crisis"].title]


def test_every_word_must_match_and_word_forms_are_found(db, world, guidance):
    # "threats" and "recorded" stem to the answer's "threat" and "record".
    assert titles(search_guidance(db, world.partnership.id, "threats recorded")) == [
        guidance["crisis"].title
    ]
    assert search_guidance(db, world.partnership.id, "citation emergency") == []


def test_open_questions_and_other_partnerships_are_not_guidance(db, world, guidance, make):
    assert guidance["open"].id not in {
        q.id for q in search_guidance(db, world.partnership.id, "notes probation")
    }
    assert search_guidance(db, world.other_partnership.id, "citation") == []


@pytest.mark.parametrize("text", ['"', "citation OR", "NEAR(", "*", "-", "'; drop", "   "])
def test_search_syntax_typed_by_a_person_is_read_as_words(db, world, guidance, text):
    search_guidance(db, world.partnership.id, text)  # no error


def test_a_search_is_one_query(db, world, guidance, count_queries):
    partnership_id = world.partnership.id
    db.expire_all()
    with count_queries() as statements:
        found = search_guidance(db, partnership_id, "consent")
        [(q.from_agency.organization.name, q.answered_by.user.name) for q in found]
    assert len(found) == 1
    assert len(statements) == 1


def test_the_index_follows_a_question_changed_or_removed(db, world, guidance):
    question = guidance["open"]
    question.title = "May probation see the counselor's summary?"
    db.commit()
    assert search_guidance(db, world.partnership.id, "notes") == []  # open: not guidance yet
    crisis = guidance["crisis"]
    crisis.answer = "Yes: call the crisis line first."
    db.commit()
    assert search_guidance(db, world.partnership.id, "emergency") == []
    assert titles(search_guidance(db, world.partnership.id, "crisis line")) == [crisis.title]
    db.delete(crisis)
    db.commit()
    assert search_guidance(db, world.partnership.id, "crisis") == []


def test_postgresql_answers_the_search_from_its_gin_index(db, world, guidance, postgres_url):
    db.execute(sa.text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(
        db.scalars(
            sa.text(
                f"EXPLAIN SELECT questions.id FROM questions WHERE {SEARCH_DOCUMENT} "
                "@@ plainto_tsquery('english', 'citation')"
            )
        )
    )
    assert "ix_questions_search" in plan
