"""The page benchmark's data, built through the product's own services.

- 1x is the product's demo (`partnerhub demo`): one partnership of six agencies and twelve
  people, six months of monthly meetings, its procedures and agreements.
- Nx (N >= 2) is N partnerships of 20 agencies and 40 people each, 24 months of monthly
  meetings with agendas, attendance, final minutes and action items, and each module's demo
  procedures and agreements; one facilitator convenes all of them, so the dashboard shows
  N partnerships to that person (the benchmark logs in as them).

Every module adds its part the way the demo does (`extend(session, world)`); the meetings are
held with the demo's own steps over a longer history. A sweep at the end raises the flags and
queues the reminders that are due, as the worker would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from importlib import import_module

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerhub.auth import services as accounts
from partnerhub.auth.models import User
from partnerhub.demo import DEMO_PASSWORD, DemoWorld, load_demo
from partnerhub.meetings import demo as meetings_demo
from partnerhub.meetings import services as meetings
from partnerhub.meetings.models import Meeting
from partnerhub.notifications.sweep import sweep
from partnerhub.partnerships import services
from partnerhub.partnerships.demo import email_of
from partnerhub.partnerships.models import Membership, Partnership, Role, Sector

AGENCIES = 20
PEOPLE = 40
MONTHS = 24
SECTORS = list(Sector)
TICKED = ("partner.collaborative", "partner.shared_leadership", "plan.law_reviewed")
# The modules that add procedures and agreements to a partnership, as the demo does.
EXTENDING_MODULES = ("procedures", "agreements")


@dataclass
class BenchData:
    """What the benchmark needs to know: whom to log in as, and which partnership to show."""

    email: str
    password: str
    partnership_id: int
    partnerships: int


def build(session: Session, scale: int, now: datetime) -> BenchData:
    """The 1x demo, or `scale` large partnerships with one facilitator in common."""
    if scale <= 1:
        logins = load_demo(session, now)
        email = logins.people[0][0]
        partnership_id = session.scalar(select(Partnership.id).order_by(Partnership.id))
    else:
        convener = _user(session, "Maria Alvarez", DEMO_PASSWORD)
        ids = [_partnership(session, convener, n, now).id for n in range(scale)]
        email, partnership_id = convener.email, ids[0]
    sweep(session, now)
    session.commit()
    return BenchData(email, DEMO_PASSWORD, partnership_id, max(scale, 1))


def _user(session: Session, name: str, password: str) -> User:
    return accounts.create_user(session, email_of(name), name, password, timezone="America/Denver")


def _partnership(session: Session, convener: User, number: int, now: datetime) -> Partnership:
    """One large partnership, its people, meetings, procedures and agreements."""
    started = now - relativedelta(months=MONTHS + 1)
    partnership = services.create_partnership(
        session,
        convener,
        services.PartnershipDetails(
            name=f"County {number + 1} Youth Information Partnership",
            community=f"County {number + 1}",
            purpose="Agree why, when and how our agencies share information about youth.",
            timezone="America/Denver",
        ),
        started,
    )
    agencies = [
        services.add_agency(
            session,
            convener,
            partnership,
            started,
            new=services.NewOrganization(
                f"County {number + 1} {sector.label} agency {n + 1}",
                sector,
                "Treatment" if sector is Sector.OTHER else "",
            ),
        )[0]
        for n, sector in ((n, SECTORS[n % len(SECTORS)]) for n in range(AGENCIES))
    ]
    session.flush()
    members = _members(session, partnership, agencies, number, started)
    for agency in agencies:
        own = [m.id for m in members if m.partner_agency_id == agency.id]
        services.name_contacts(session, convener, agency, own[0], own[1], started)
    for key in TICKED:
        services.tick(session, convener, partnership, key, "", started)
    services.advance(session, convener, partnership, "Ready to plan", started + timedelta(days=30))
    world = DemoWorld(
        now=now,
        partnership=partnership,
        facilitator=next(m for m in members if m.user_id == convener.id),
        agencies={a.organization.sector: a for a in reversed(agencies)},
        members=members,
    )
    _meetings(session, world, started)
    for name in EXTENDING_MODULES:
        import_module(f"partnerhub.{name}.demo").extend(session, world)
    session.commit()
    return partnership


def _members(session, partnership, agencies, number: int, started) -> list[Membership]:
    """The convener (already its facilitator) and PEOPLE - 1 others, two or more per agency."""
    password_hash = accounts.hash_password(DEMO_PASSWORD)
    members = list(
        session.scalars(select(Membership).where(Membership.partnership_id == partnership.id))
    )
    members[0].partner_agency_id = agencies[0].id
    for n in range(1, PEOPLE):
        user = accounts.create_user(
            session,
            f"person{n}.county{number + 1}@bench.example.org",
            f"Person {n} of County {number + 1}",
            None,
            timezone="America/Denver",
        )
        user.password_hash = password_hash
        session.flush()
        membership = Membership(
            partnership_id=partnership.id,
            user_id=user.id,
            role=Role.OBSERVER if n % 13 == 12 else Role.MEMBER,
            partner_agency_id=agencies[n % len(agencies)].id,
            position="Liaison" if n < len(agencies) * 2 else "Staff",
            is_legal_advisor=n % 9 == 1,
            is_signatory=n < len(agencies),
            joined_at=started,
        )
        session.add(membership)
        members.append(membership)
    session.flush()
    return members


def _meetings(session: Session, world: DemoWorld, started) -> None:
    """A monthly series over MONTHS months: past meetings held as the demo holds them, the
    next one prepared."""
    partnership, actor, now = world.partnership, world.facilitator.user, world.now
    data = meetings.SeriesData(
        title="Monthly partner review",
        rule="FREQ=MONTHLY;BYDAY=+2TU",
        starts_on=meetings_demo.second_tuesday_on_or_after(started.date()),
        start_time=time(15, 0),
        duration_minutes=90,
        place="County office, board room",
        agenda_template=meetings_demo.AGENDA_TEMPLATE,
    )
    series = meetings.schedule_series(session, actor, partnership, data, started)
    meetings.extend_horizons(session, now)
    found = session.scalars(
        select(Meeting).where(Meeting.series_id == series.id).order_by(Meeting.starts_at)
    ).all()
    past = [m for m in found if m.ends_at < now]
    for number, meeting in enumerate(past):
        meetings_demo._hold(session, world, meeting, number, len(past), None)
    upcoming = [m for m in found if m.ends_at >= now]
    if upcoming:
        meetings_demo._prepare(session, world, upcoming[0], now)
