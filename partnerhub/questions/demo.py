"""The demo partnership's questions: what Helena's partners asked about sharing, the answers
their legal advisors gave, and two still open (one on the next agenda, one open too long)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from partnerhub.partnerships.models import Sector
from partnerhub.questions import queries, services


@dataclass(frozen=True)
class DemoQuestion:
    title: str
    details: str
    between: tuple[Sector, Sector]
    asker: str  # position of who asks
    advisor: str  # position of the legal advisor it goes to
    raised_days_ago: int
    answer: str = ""
    legal_basis: str = ""
    answered_days_ago: int = 0
    on_next_agenda: bool = False


QUESTIONS = [
    DemoQuestion(
        "May the SRO tell the school counselor about a citation issued off campus?",
        "An officer cited a student on a weekend, away from school. The counselor is working "
        "with the student and asked the School Resource Officer whether anything happened.",
        (Sector.LAW_ENFORCEMENT, Sector.SCHOOL),
        "School Resource Officer",
        "Deputy County Attorney",
        raised_days_ago=75,
        answer="Yes, within limits. The citation is a police department record, not an "
        "education record, so FERPA does not restrict it. Montana's youth court act does: "
        "the SRO may tell the counselor what the counselor needs to support the student (that "
        "there was a citation and its general nature), not the report itself.",
        legal_basis="34 CFR 99.8; MCA 41-5-215",
        answered_days_ago=58,
    ),
    DemoQuestion(
        "May the mental health center confirm to the school that a student has started counseling?",
        "The school referred a student and wants to know whether the referral was taken up, "
        "so it can stop calling the family.",
        (Sector.MENTAL_HEALTH, Sector.SCHOOL),
        "Community Resource and Referral Coordinator",
        "Independent HIPAA Consultant",
        raised_days_ago=130,
        answer="Only with the parent's signed authorization naming the school (the "
        "partnership's joint release covers it). Without it the center may not confirm even "
        "that the student is a client; it can take the school's information without saying "
        "anything back.",
        legal_basis="45 CFR 164.508",
        answered_days_ago=112,
    ),
    DemoQuestion(
        "May the treatment program tell probation whether a youth attends substance-use treatment?",
        "Probation asked Capital Area Recovery Services to confirm attendance for youth "
        "ordered into treatment by the youth court.",
        (Sector.OTHER, Sector.JUVENILE_JUSTICE),
        "Chief Juvenile Probation Officer",
        "Deputy County Attorney",
        raised_days_ago=96,
        answer="Only with the youth's written Part 2 consent naming probation, the purpose "
        "and an expiry; the youth court can make consent a condition of probation. Every "
        "disclosure carries the Part 2 re-disclosure notice. Without consent, only a court "
        "order under 42 CFR 2.64 allows it.",
        legal_basis="42 CFR 2.31, 2.32 and 2.64",
        answered_days_ago=61,
    ),
    DemoQuestion(
        "May child protection tell the school's threat assessment team that a family has an "
        "open case?",
        "The team is assessing a student's threat and believes home circumstances matter.",
        (Sector.CHILD_WELFARE, Sector.SCHOOL),
        "Child Protection Supervisor",
        "District Attorney (school district counsel)",
        raised_days_ago=41,
    ),
    DemoQuestion(
        "May the school send attendance to probation for a youth on informal supervision?",
        "Informal supervision has no court order; probation asks for weekly attendance.",
        (Sector.SCHOOL, Sector.JUVENILE_JUSTICE),
        "Chief Juvenile Probation Officer",
        "Deputy County Attorney",
        raised_days_ago=9,
        on_next_agenda=True,
    ),
]


def extend(session: Session, world) -> None:
    """Raise, answer and schedule the demo questions."""
    by_position = {m.position: m for m in world.members}
    for demo in QUESTIONS:
        asker, advisor = by_position[demo.asker], by_position[demo.advisor]
        sender, receiver = (world.agencies[sector] for sector in demo.between)
        question = services.raise_question(
            session,
            asker,
            services.QuestionData(
                demo.title,
                demo.details,
                sender.id,
                receiver.id,
                flow_id=_flow_between(session, world, sender.id, receiver.id),
                assigned_to_id=advisor.id,
            ),
            world.now - timedelta(days=demo.raised_days_ago),
        )
        if demo.answer:
            services.answer_question(
                session,
                advisor,
                question,
                services.AnswerData(demo.answer, demo.legal_basis),
                world.now - timedelta(days=demo.answered_days_ago),
            )
        if demo.on_next_agenda:
            coming = queries.coming_meetings(session, world.partnership.id, world.now)
            if coming:
                services.put_on_agenda(session, world.facilitator, question, coming[0], world.now)


def _flow_between(session: Session, world, sender_id: int, receiver_id: int) -> int | None:
    flows = queries.flows_of(session, world.partnership.id)
    return next(
        (f.id for f in flows if (f.from_agency_id, f.to_agency_id) == (sender_id, receiver_id)),
        None,
    )
