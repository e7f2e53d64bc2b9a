"""The demo partnership: Helena, Montana, in the Plan stage, with its agencies and people.

Modelled on the Helena example in DOMAIN.md: the district's community resource and referral
coordinator convened the district's attorney, an independent HIPAA consultant, the deputy
county attorney and a School Resource Officer, with the other core systems at the table.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerhub.auth import services as accounts
from partnerhub.demo import DemoWorld
from partnerhub.partnerships import services
from partnerhub.partnerships.models import Membership, Partnership, Role, Sector

NAME = "Lewis and Clark County Youth Information Partnership"
DOMAIN = "helena.example.org"

AGENCIES = (
    ("Helena Public Schools", Sector.SCHOOL, ""),
    ("Helena Police Department", Sector.LAW_ENFORCEMENT, ""),
    ("Lewis and Clark County Attorney's Office", Sector.JUVENILE_JUSTICE, ""),
    ("Helena Youth Mental Health Center", Sector.MENTAL_HEALTH, ""),
    ("Montana Child and Family Services, Helena Office", Sector.CHILD_WELFARE, ""),
    ("Capital Area Recovery Services", Sector.OTHER, "Substance-abuse treatment"),
)

# name, position, sector of the agency (None: no agency), role, flags, contact role
PEOPLE = (
    (
        "Maria Alvarez",
        "Community Resource and Referral Coordinator",
        Sector.SCHOOL,
        Role.FACILITATOR,
        "",
        "liaison",
    ),
    (
        "David Chen",
        "District Attorney (school district counsel)",
        Sector.SCHOOL,
        Role.MEMBER,
        "legal",
        "",
    ),
    ("Sarah Whitfield", "Superintendent", Sector.SCHOOL, Role.MEMBER, "signatory", "alternate"),
    ("Tom Becker", "School Resource Officer", Sector.LAW_ENFORCEMENT, Role.MEMBER, "", "liaison"),
    ("Lisa Hart", "Chief of Police", Sector.LAW_ENFORCEMENT, Role.MEMBER, "signatory", "alternate"),
    (
        "Rachel Moore",
        "Deputy County Attorney",
        Sector.JUVENILE_JUSTICE,
        Role.MEMBER,
        "legal signatory",
        "liaison",
    ),
    (
        "Kevin O'Brien",
        "Chief Juvenile Probation Officer",
        Sector.JUVENILE_JUSTICE,
        Role.MEMBER,
        "",
        "alternate",
    ),
    (
        "Angela Sorensen",
        "Clinical Director",
        Sector.MENTAL_HEALTH,
        Role.MEMBER,
        "signatory",
        "liaison",
    ),
    (
        "Ben Tallbull",
        "Child Protection Supervisor",
        Sector.CHILD_WELFARE,
        Role.MEMBER,
        "signatory",
        "liaison",
    ),
    ("Paul Rasmussen", "Program Manager", Sector.OTHER, Role.MEMBER, "signatory", "liaison"),
    ("Nora Fitzgerald", "Independent HIPAA Consultant", None, Role.MEMBER, "legal", ""),
    ("Grace Lindqvist", "Family Representative", None, Role.OBSERVER, "", ""),
)

TICKED = ("partner.collaborative", "partner.shared_leadership", "plan.law_reviewed")


def email_of(name: str) -> str:
    return name.lower().replace("'", "").replace(" ", ".") + "@" + DOMAIN


def build(session: Session, now: datetime, password: str) -> DemoWorld:
    """Create the demo partnership, or return the one already loaded (nothing is duplicated)."""
    existing = session.scalar(select(Partnership).where(Partnership.name_key == NAME.lower()))
    if existing is not None:
        return _world(session, existing, now, created=False)
    started = now - timedelta(days=90)
    # One hash for the shared demo password: argon2 is slow on purpose, twelve times over.
    password_hash = accounts.hash_password(password)
    people = {}
    for name, *_ in PEOPLE:
        people[name] = accounts.create_user(
            session, email_of(name), name, None, timezone="America/Denver"
        )
        people[name].password_hash = password_hash
    facilitator = people[PEOPLE[0][0]]
    partnership = services.create_partnership(
        session,
        facilitator,
        services.PartnershipDetails(
            name=NAME,
            community="Helena, MT",
            purpose=(
                "Schools, law enforcement, the county attorney, mental health, child welfare and "
                "treatment providers agree why, when and how we share information about youth "
                "served by several of our systems, so staff neither refuse to share out of fear "
                "nor share ad hoc."
            ),
            timezone="America/Denver",
        ),
        started,
    )
    agencies = {}
    for name, sector, label in AGENCIES:
        agencies[sector], _ = services.add_agency(
            session,
            facilitator,
            partnership,
            started,
            new=services.NewOrganization(name, sector, label),
        )
    session.flush()
    contacts: dict = {}
    for name, position, sector, role, flags, contact in PEOPLE:
        membership = session.scalar(
            select(Membership).where(
                Membership.partnership_id == partnership.id,
                Membership.user_id == people[name].id,
            )
        ) or Membership(partnership_id=partnership.id, user_id=people[name].id)
        membership.role = role
        membership.partner_agency_id = agencies[sector].id if sector else None
        membership.position = position
        membership.is_legal_advisor = "legal" in flags
        membership.is_signatory = "signatory" in flags
        membership.joined_at = started + timedelta(days=7)
        session.add(membership)
        session.flush()
        if contact:
            contacts.setdefault(sector, {})[contact] = membership.id
    for sector, named in contacts.items():
        services.name_contacts(
            session,
            facilitator,
            agencies[sector],
            named.get("liaison"),
            named.get("alternate"),
            started + timedelta(days=8),
        )
    for key in TICKED:
        services.tick(session, facilitator, partnership, key, "", started + timedelta(days=30))
    # Other modules' Partner items (a meeting series, …) are filled in by their demo afterwards.
    services.advance(
        session,
        facilitator,
        partnership,
        "Agreed to start planning at the September meeting",
        now - timedelta(days=45),
    )
    session.flush()
    return _world(session, partnership, now)


def _world(
    session: Session, partnership: Partnership, now: datetime, *, created: bool = True
) -> DemoWorld:
    members = services.roster(session, partnership)
    agencies = {a.organization.sector: a for a in services.active_agencies(session, partnership)}
    facilitator = next(m for m in members if m.role is Role.FACILITATOR)
    logins = []
    for m in members:
        where = m.partner_agency.organization.name if m.partner_agency else "no agency"
        logins.append((m.user.email, f"{m.user.name}, {m.position} ({where}), {m.role.value}"))
    return DemoWorld(
        now=now,
        partnership=partnership,
        facilitator=facilitator,
        agencies=agencies,
        members=members,
        logins=logins,
        created=created,
    )
