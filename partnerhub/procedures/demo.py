"""Demo data: a sharing matrix across the five systems, and procedures in several states."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from partnerhub.partnerships.models import Membership, PartnerAgency, Sector
from partnerhub.procedures import services
from partnerhub.procedures.models import DataCategory, LegalBasis, Procedure
from partnerhub.procedures.permissions import may_sign_for
from partnerhub.procedures.services import FlowData, ProcedureText

ATTENDANCE_PROCEDURE = """# Attendance and discipline information for the review team

Applies when a student is referred to the partnership's multi-agency review team.

1. The school's attendance officer checks that a **signed FERPA release** is on file: which
   records, why, to whom, the parent's (or eligible student's) signature and the date.
2. Share only the *status*: days absent this term, suspensions this year. Never the file.
3. Record the disclosure in the student's record of disclosures (34 CFR 99.32): who received
   it and their legitimate interest.
4. Without a release, share only under the health-or-safety emergency exception, and record
   the articulable and significant threat.
"""

POLICE_PROCEDURE = """# Police contact notifications to schools

When officers have contact with a student that the school needs to know about to keep
students safe:

1. The School Resource Officer tells the principal the **kind** of contact and the date.
2. Records created by the school's law-enforcement unit stay with that unit (34 CFR 99.8).
3. No names in emails: use the secure referral system.
"""

POLICE_PROCEDURE_V2 = POLICE_PROCEDURE.replace(
    "3. No names in emails: use the secure referral system.",
    "3. No names in emails: use the secure referral system.\n"
    "4. The notice reaches the school before the next school day starts.",
)

REFERRAL_PROCEDURE = """# Mental-health referral status

1. With a signed HIPAA authorization, the clinic confirms to the school counselor whether a
   referral was received and whether the first appointment took place.
2. Diagnosis, notes and treatment details are never shared under this procedure.
3. Substance-use treatment records need a separate 42 CFR Part 2 consent and carry the
   Part 2 re-disclosure notice.
"""


def extend(session: Session, world) -> None:
    """Add the matrix and procedures to the demo partnership."""
    agencies = world.agencies
    school, police = agencies[Sector.SCHOOL], agencies[Sector.LAW_ENFORCEMENT]
    court, health = agencies[Sector.JUVENILE_JUSTICE], agencies[Sector.MENTAL_HEALTH]
    welfare = agencies[Sector.CHILD_WELFARE]
    members = {m.id: m for m in world.members}
    facilitator = world.facilitator
    now = world.now

    attendance = _approved(
        session,
        world,
        members,
        _author(members, school, facilitator),
        school,
        ProcedureText(
            "Attendance and discipline information for the review team",
            ATTENDANCE_PROCEDURE,
            "First version",
            [LegalBasis.FERPA_CONSENT, LegalBasis.FERPA_HEALTH_SAFETY_EMERGENCY],
            12,
        ),
        now - timedelta(days=200),
    )
    referral = _approved(
        session,
        world,
        members,
        _author(members, health, facilitator),
        health,
        ProcedureText(
            "Mental-health referral status",
            REFERRAL_PROCEDURE,
            "First version",
            [LegalBasis.HIPAA_AUTHORIZATION, LegalBasis.PART2_CONSENT],
            12,
        ),
        now - timedelta(days=400),  # approved 13 months ago: its yearly review is due
    )
    police_author = _author(members, police, facilitator)
    notices = _approved(
        session,
        world,
        members,
        police_author,
        police,
        ProcedureText(
            "Police contact notifications to schools",
            POLICE_PROCEDURE,
            "First version",
            [LegalBasis.LAW_ENFORCEMENT_UNIT_RECORD, LegalBasis.STATE_STATUTE],
            6,
        ),
        now - timedelta(days=60),
    )
    # An update in review that two agencies have yet to sign.
    services.revise_procedure(
        session,
        police_author,
        notices,
        ProcedureText(
            notices.title,
            POLICE_PROCEDURE_V2,
            "Notice before the next school day",
            [LegalBasis.LAW_ENFORCEMENT_UNIT_RECORD, LegalBasis.STATE_STATUTE],
            6,
        ),
        now - timedelta(days=3),
    )
    services.submit_for_review(session, police_author, notices, now - timedelta(days=3))
    active = services.active_agencies(session, world.partnership.id)
    for agency in [a for a in active if a.id not in (school.id, welfare.id)]:
        services.sign_off(
            session,
            _signer(members, agency),
            notices,
            notices.latest_version,
            agency.id,
            now - timedelta(days=2),
        )

    for flow in _flows(school, police, court, health, welfare, attendance, referral, notices):
        services.add_flow(session, facilitator, flow, now)
    session.flush()


def _flows(school, police, court, health, welfare, attendance, referral, notices):
    c = DataCategory
    return [
        FlowData(school.id, None, "Multi-agency review team", [c.ATTENDANCE, c.DISCIPLINE],
                 "On referral to the review team", LegalBasis.FERPA_CONSENT,
                 procedure_id=attendance.id),
        FlowData(school.id, police.id, "School Resource Officer", [c.DISCIPLINE],
                 "Imminent threat to a student's or others' safety",
                 LegalBasis.FERPA_HEALTH_SAFETY_EMERGENCY, procedure_id=attendance.id),
        FlowData(school.id, court.id, "Probation officer", [c.ATTENDANCE, c.IEP_504_STATUS],
                 "Before a disposition hearing, on written request",
                 LegalBasis.FERPA_JUVENILE_JUSTICE, procedure_id=attendance.id),
        FlowData(school.id, health.id, "", [c.IEP_504_STATUS], "When a referral is made",
                 LegalBasis.FERPA_CONSENT),
        FlowData(police.id, school.id, "Principal", [c.POLICE_CONTACT],
                 "Contact with a student off campus that bears on school safety",
                 LegalBasis.STATE_STATUTE, "MCA 41-5-215", procedure_id=notices.id),
        FlowData(police.id, court.id, "", [c.POLICE_CONTACT], "On referral to youth court",
                 LegalBasis.STATE_STATUTE, "MCA 41-5-1502", procedure_id=notices.id),
        FlowData(police.id, welfare.id, "Intake worker", [c.POLICE_CONTACT],
                 "When officers suspect abuse or neglect", LegalBasis.STATE_STATUTE),
        FlowData(court.id, school.id, "Principal", [c.COURT_STATUS],
                 "Adjudication for an offense that bears on school safety",
                 LegalBasis.STATE_STATUTE, "MCA 41-5-215"),
        FlowData(health.id, school.id, "School counselor", [c.MENTAL_HEALTH_REFERRAL_STATUS],
                 "Referral received; first appointment kept", LegalBasis.HIPAA_AUTHORIZATION,
                 procedure_id=referral.id),
        FlowData(health.id, court.id, "", [c.MENTAL_HEALTH_REFERRAL_STATUS],
                 "Court-ordered evaluation completed", LegalBasis.HIPAA_AUTHORIZATION,
                 procedure_id=referral.id),
        FlowData(welfare.id, school.id, "School social worker", [c.CHILD_WELFARE_INVOLVEMENT],
                 "Placement change that moves the student's school"),
        FlowData(welfare.id, court.id, "Guardian ad litem", [c.CHILD_WELFARE_INVOLVEMENT,
                 c.ATTENDANCE], "Before each dependency review hearing",
                 LegalBasis.STATE_STATUTE, "MCA 41-3-205"),
    ]  # fmt: skip


def _approved(session, world, members, author, agency, text, at) -> Procedure:
    """A procedure written, submitted and signed off by every agency at `at`."""
    procedure = services.create_procedure(session, author, agency.id, text, at)
    services.submit_for_review(session, author, procedure, at)
    for each in services.active_agencies(session, world.partnership.id):
        services.sign_off(
            session, _signer(members, each), procedure, procedure.latest_version, each.id, at
        )
    return procedure


def _author(members: dict[int, Membership], agency: PartnerAgency, fallback: Membership):
    return members.get(agency.liaison_id) or fallback


def _signer(members: dict[int, Membership], agency: PartnerAgency) -> Membership:
    """Whoever may sign for the agency: its liaison, its alternate, else a representative."""
    for membership in members.values():
        if may_sign_for(membership, agency):
            return membership
    raise LookupError(f"{agency.organization.name} has nobody who can sign off for it")
