"""Fixtures of the questions tests: the shared world with a police agency and a legal
advisor, and a way to raise a question."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from partnerhub.partnerships.models import Membership, PartnerAgency, Role, Sector
from partnerhub.questions import services
from partnerhub.questions.models import Question
from tests.clock import NOW


@dataclass
class Desk:
    """Who asks and who answers in the world partnership."""

    school: PartnerAgency
    police: PartnerAgency
    advisor: Membership  # the deputy county attorney, a legal advisor


@pytest.fixture
def desk(world, make, db) -> Desk:
    school = db.get(PartnerAgency, world.member.partner_agency_id)
    police = make.agency(world.partnership, "Helena Police Department", Sector.LAW_ENFORCEMENT)
    advisor = make.member(
        world.partnership,
        make.user("Dana Counsel"),
        Role.MEMBER,
        position="Deputy County Attorney",
        legal_advisor=True,
    )
    db.commit()
    return Desk(school, police, advisor)


@pytest.fixture
def ask(db, world, desk):
    """Raise a question as the world's member (from the police to the school) at `now`."""

    def raise_it(title="May the SRO tell the counselor about a citation?", now=NOW, **fields):
        data = services.QuestionData(
            title=title,
            details=fields.pop("details", "A student was cited off campus on a weekend."),
            from_agency_id=fields.pop("from_agency_id", desk.police.id),
            to_agency_id=fields.pop("to_agency_id", desk.school.id),
            **fields,
        )
        question = services.raise_question(db, world.member, data, now)
        db.commit()
        return question

    return raise_it


def answer(db, membership, question: Question, now=NOW, **fields) -> Question:
    services.answer_question(
        db,
        membership,
        question,
        services.AnswerData(
            answer=fields.get(
                "answer",
                "Yes: the SRO's own citation is a law-enforcement unit record, not an "
                "education record, and may be shared with the counselor.",
            ),
            legal_basis=fields.get("legal_basis", "34 CFR 99.8"),
        ),
        now,
    )
    db.commit()
    return question
