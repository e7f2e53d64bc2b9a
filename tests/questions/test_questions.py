"""A question about sharing, from raising to its answer: the guard, the advisor it goes to,
the agenda it joins and is carried on, and who may answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from partnerhub.audit.models import AuditEvent
from partnerhub.errors import DomainError, InvalidTransition, PermissionDenied
from partnerhub.identifiers import IdentifiersFound
from partnerhub.meetings import services as meetings
from partnerhub.meetings.models import AgendaItem, AgendaItemKind
from partnerhub.questions import services
from partnerhub.questions.models import QuestionStatus
from tests.clock import NOW
from tests.questions.conftest import answer


def test_a_question_goes_to_the_first_legal_advisor_and_is_audited(db, ask, desk):
    question = ask()

    assert question.status is QuestionStatus.OPEN
    assert question.assigned_to_id == desk.advisor.id
    assert question.raised_at == NOW
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == question.id))
    assert "question.raised" in list(actions)


def test_a_question_naming_a_youth_is_refused_unless_kept_with_a_reason(db, ask):
    named = "May the SRO tell the counselor about Jacob Martinez, DOB 03/14/2011?"
    with pytest.raises(IdentifiersFound):
        ask(named)
    db.rollback()

    kept = ask(named, keep_reason="The family asked us to discuss it by name.")

    assert kept.title == named
    kinds = db.scalars(select(AuditEvent.action).where(AuditEvent.action == "identifiers.kept"))
    assert list(kinds) == ["identifiers.kept"]


def test_an_agency_of_another_partnership_cannot_be_named(db, ask, world, make):
    theirs = make.agency(world.other_partnership, "Grossmont Police")
    with pytest.raises(DomainError):
        ask(from_agency_id=theirs.id)


def test_only_legal_advisors_and_facilitators_answer(db, ask, world, desk):
    question = ask()
    with pytest.raises(PermissionDenied):
        answer(db, world.member, question)
    db.rollback()

    answer(db, desk.advisor, question)

    assert question.status is QuestionStatus.ANSWERED
    assert question.legal_basis == "34 CFR 99.8"
    assert question.answered_by_id == desk.advisor.id
    with pytest.raises(InvalidTransition):
        answer(db, world.facilitator, question)


def test_an_answer_needs_its_legal_basis(db, ask, desk):
    question = ask()
    with pytest.raises(DomainError, match="legal basis"):
        answer(db, desk.advisor, question, legal_basis="  ")


def test_legal_citations_in_an_answer_pass_the_guard(db, ask, desk):
    question = ask()
    answer(
        db,
        desk.advisor,
        question,
        answer="Only with the certification 34 CFR 99.38 requires, under 99.31(a)(5).",
        legal_basis="34 CFR 99.31(a)(5); MCA 41-5-215",
    )
    assert question.status is QuestionStatus.ANSWERED


def test_an_open_question_is_carried_forward_with_the_agenda_and_an_answered_one_is_not(
    db, ask, world, make, desk
):
    first = make.meeting(world.partnership, NOW + timedelta(days=1), title="March meeting")
    second = make.meeting(world.partnership, NOW + timedelta(days=29), title="April meeting")
    third = make.meeting(world.partnership, NOW + timedelta(days=57), title="May meeting")
    question = ask()
    item = services.put_on_agenda(db, world.facilitator, question, first, NOW)
    db.commit()
    assert (item.question_id, item.kind) == (question.id, AgendaItemKind.SHARING_ISSUE)

    meetings.carry_forward(db, world.facilitator.user, second, NOW)
    db.commit()
    carried = [i for i in second.agenda_items if i.question_id == question.id]
    assert len(carried) == 1

    answer(db, desk.advisor, question)
    meetings.carry_forward(db, world.facilitator.user, third, NOW)
    db.commit()
    assert [i for i in third.agenda_items if i.question_id == question.id] == []


def test_a_question_joins_an_agenda_once_and_only_a_coming_one(db, ask, world, make):
    coming = make.meeting(world.partnership, NOW + timedelta(days=1))
    past = make.meeting(world.partnership, NOW - timedelta(days=1))
    question = ask()
    services.put_on_agenda(db, world.member, question, coming, NOW)
    db.commit()
    with pytest.raises(DomainError, match="already"):
        services.put_on_agenda(db, world.member, question, coming, NOW)
    with pytest.raises(InvalidTransition):
        services.put_on_agenda(db, world.member, question, past, NOW)
    items = db.scalars(select(AgendaItem).where(AgendaItem.question_id == question.id)).all()
    assert [i.is_proposed for i in items] == [True]  # a member's addition is a proposal


def test_an_answered_question_is_no_longer_edited(db, ask, world, desk):
    question = ask()
    answer(db, desk.advisor, question)
    with pytest.raises(InvalidTransition):
        services.edit_question(
            db,
            world.member,
            question,
            services.QuestionData("Changed?", "", desk.police.id, desk.school.id),
            NOW,
        )
