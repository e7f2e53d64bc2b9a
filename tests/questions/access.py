"""Routes of the questions module and who may reach them."""

from datetime import timedelta

from partnerhub.partnerships.models import PartnerAgency, Sector
from partnerhub.questions.models import Question, QuestionStatus
from tests.clock import NOW

ROUTES = {
    "questions.index": "view",
    "questions.guidance": "view",
    "questions.new": "contribute",
    "questions.show": "view",
    "questions.edit": "contribute",
    "questions.put_on_agenda": "contribute",
    # Legal advisors and facilitators; the world's member is not a legal advisor.
    "questions.answer": "manage",
    "questions.request_procedure_change": "manage",
    "questions.change_matrix": "manage",
}

QUESTION = {
    "title": "May the SRO tell the counselor about a citation?",
    "details": "A student was cited off campus on a weekend.",
    "from_agency_id": lambda world: str(world.member.partner_agency_id),
    "to_agency_id": lambda world: str(world.member.partner_agency_id),
}
FORMS = [
    ("questions.new", QUESTION, ["title", "details"]),
    ("questions.edit", QUESTION, ["title", "details"]),
    (
        "questions.answer",
        {"answer": "Yes, the citation is the SRO's own record.", "legal_basis": "34 CFR 99.8"},
        ["answer", "legal_basis"],
    ),
]


def url_values(make, world) -> dict[str, dict]:
    """An open question the world's member raised, and an answered one."""
    session = make.session
    school = session.get(PartnerAgency, world.member.partner_agency_id)
    police = make.agency(
        world.partnership, "Lewis and Clark County Sheriff", Sector.LAW_ENFORCEMENT
    )
    common = {
        "partnership_id": world.partnership.id,
        "from_agency_id": police.id,
        "to_agency_id": school.id,
        "raised_by_id": world.member.id,
        "raised_at": NOW - timedelta(days=3),
    }
    open_question = Question(title="May the SRO tell the counselor?", details="", **common)
    answered = Question(
        title="May the school share attendance with probation?",
        details="",
        status=QuestionStatus.ANSWERED,
        answer="With the juvenile justice certification, yes.",
        legal_basis="34 CFR 99.38",
        answered_at=NOW,
        **common,
    )
    session.add_all([open_question, answered])
    session.flush()
    make.meeting(world.partnership)
    return {
        "questions.show": {"question_id": open_question.id},
        "questions.edit": {"question_id": open_question.id},
        "questions.put_on_agenda": {"question_id": open_question.id},
        "questions.answer": {"question_id": open_question.id},
        "questions.request_procedure_change": {"question_id": answered.id},
        "questions.change_matrix": {"question_id": answered.id},
    }
