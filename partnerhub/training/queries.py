"""Who is trained in what, and since when: a partnership's coverage by agency and framework,
a person's own record, and the year's figures, each read in a fixed number of statements."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum

from dateutil.relativedelta import relativedelta
from sqlalchemy import ColumnElement, ScalarSelect, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from partnerhub.auth.models import User
from partnerhub.db import read_rows
from partnerhub.partnerships.models import (
    Membership,
    Organization,
    PartnerAgency,
    Partnership,
    Role,
    Sector,
)
from partnerhub.partnerships.registry import fact
from partnerhub.partnerships.snapshot import facts
from partnerhub.procedures.models import Framework
from partnerhub.training.models import (
    DEFAULT_CURRENT_MONTHS,
    TrainingAttendance,
    TrainingPolicy,
    TrainingSession,
)

# How long before a training lapses it is shown, flagged and emailed about.
LAPSE_WARNING = timedelta(days=60)

# What each kind of agency needs when the partnership has not said: the law that governs the
# records it holds or receives, the state code, and the partnership's own procedures.
DEFAULT_REQUIREMENTS: dict[Sector, tuple[Framework, ...]] = {
    Sector.SCHOOL: (Framework.FERPA, Framework.STATE_CODE, Framework.PROCEDURES),
    Sector.LAW_ENFORCEMENT: (Framework.FERPA, Framework.STATE_CODE, Framework.PROCEDURES),
    Sector.JUVENILE_JUSTICE: (Framework.FERPA, Framework.STATE_CODE, Framework.PROCEDURES),
    Sector.MENTAL_HEALTH: (
        Framework.HIPAA,
        Framework.PART2,
        Framework.STATE_CODE,
        Framework.PROCEDURES,
    ),
    Sector.CHILD_WELFARE: (Framework.HIPAA, Framework.STATE_CODE, Framework.PROCEDURES),
    Sector.OTHER: (Framework.STATE_CODE, Framework.PROCEDURES),
}


class Status(Enum):
    CURRENT = "current"
    LAPSING = "lapsing"  # current, lapses within LAPSE_WARNING
    LAPSED = "lapsed"
    MISSING = "missing"  # never trained

    @property
    def label(self) -> str:
        return {
            Status.CURRENT: "Current",
            Status.LAPSING: "Lapsing soon",
            Status.LAPSED: "Lapsed",
            Status.MISSING: "Not trained",
        }[self]

    @property
    def is_trained(self) -> bool:
        return self in (Status.CURRENT, Status.LAPSING)


@dataclass(frozen=True)
class Policy:
    """How long a training stays current, and which frameworks each sector needs."""

    current_months: int
    requirements: dict[Sector, tuple[Framework, ...]]
    is_set: bool = False  # chosen by the partnership, not the defaults

    @classmethod
    def of(cls, current_months: int | None, requirements: dict | None) -> Policy:
        """The policy a partnership set (months and {sector: [framework]}), else the defaults."""
        if current_months is None:
            return cls(DEFAULT_CURRENT_MONTHS, dict(DEFAULT_REQUIREMENTS))
        return cls(
            current_months,
            {
                sector: tuple(
                    f for f in Framework if f.value in (requirements or {}).get(sector.value, [])
                )
                for sector in Sector
            },
            is_set=True,
        )

    def lapses_on(self, trained_on: date) -> date:
        return trained_on + relativedelta(months=self.current_months)

    def standing(self, framework: Framework, trained_on: date | None, today: date) -> Standing:
        if trained_on is None:
            return Standing(framework, None, None, Status.MISSING)
        lapses_on = self.lapses_on(trained_on)
        if lapses_on <= today:
            status = Status.LAPSED
        elif lapses_on - LAPSE_WARNING <= today:
            status = Status.LAPSING
        else:
            status = Status.CURRENT
        return Standing(framework, trained_on, lapses_on, status)


@dataclass(frozen=True)
class Standing:
    """One person's standing in one framework."""

    framework: Framework
    trained_on: date | None  # the latest session attended that covered it
    lapses_on: date | None
    status: Status


@dataclass
class Person:
    membership: Membership
    agency: PartnerAgency
    standings: list[Standing]  # one per framework the agency's sector needs

    @property
    def is_trained(self) -> bool:
        return all(s.status.is_trained for s in self.standings)

    @property
    def needing(self) -> list[Standing]:
        """The frameworks not (or no longer) covered."""
        return [s for s in self.standings if not s.status.is_trained]


@dataclass
class Cell:
    """An agency by framework square of the grid."""

    required: bool
    trained: int = 0
    people: int = 0
    next_lapse: date | None = None
    missing: list[Person] = field(default_factory=list)


@dataclass
class Coverage:
    partnership_id: int
    today: date
    policy: Policy
    agencies: list[PartnerAgency]
    people: list[Person]
    # The partnership keeps track of training (saved its settings or recorded a training):
    # until then its gaps are not flagged, nor shown as needing attention.
    tracked: bool = False

    @property
    def frameworks(self) -> list[Framework]:
        """The grid's columns: every framework some agency here needs."""
        needed = {f for a in self.agencies for f in self.policy.requirements.get(sector_of(a), ())}
        return [f for f in Framework if f in needed]

    def cell(self, agency: PartnerAgency, framework: Framework) -> Cell:
        cell = Cell(required=framework in self.policy.requirements.get(sector_of(agency), ()))
        for person in self.people:
            if person.agency.id != agency.id:
                continue
            for standing in person.standings:
                if standing.framework is not framework:
                    continue
                cell.people += 1
                if standing.status.is_trained:
                    cell.trained += 1
                    if cell.next_lapse is None or standing.lapses_on < cell.next_lapse:
                        cell.next_lapse = standing.lapses_on
                else:
                    cell.missing.append(person)
        return cell

    def count(self, *statuses: Status) -> int:
        """How many (person, framework) pairs stand in one of `statuses`."""
        return sum(s.status in statuses for p in self.people for s in p.standings)


def sector_of(agency: PartnerAgency) -> Sector:
    return agency.organization.sector


def policies(session: Session, partnership_ids) -> dict[int, Policy]:
    """Each partnership's policy, the defaults where it set none (one statement)."""
    rows = session.execute(
        select(
            TrainingPolicy.partnership_id,
            TrainingPolicy.current_months,
            TrainingPolicy.requirements,
        ).where(TrainingPolicy.partnership_id.in_(list(partnership_ids)))
    )
    found = {pid: Policy.of(months, requirements) for pid, months, requirements in rows}
    return {pid: found.get(pid, Policy.of(None, None)) for pid in partnership_ids}


@fact("training_months")
def _current_months() -> ScalarSelect:
    return _policy_column(TrainingPolicy.current_months)


@fact("training_requirements")
def _requirements() -> ScalarSelect:
    return _policy_column(TrainingPolicy.requirements)


@fact("training_tracked")
def _tracked() -> ColumnElement:
    """Whether the partnership keeps track of training: it set a policy or held a training."""
    return or_(
        select(TrainingPolicy.id).where(TrainingPolicy.partnership_id == Partnership.id).exists(),
        select(TrainingSession.id).where(TrainingSession.partnership_id == Partnership.id).exists(),
    )


def _policy_column(column) -> ScalarSelect:
    return select(column).where(TrainingPolicy.partnership_id == Partnership.id).scalar_subquery()


def _settings(session: Session, partnership_ids, today: date) -> dict[int, tuple[Policy, bool]]:
    """Each partnership's policy, and whether it keeps track of training, from the facts the
    page reads once for all its partnerships (see snapshot.facts)."""
    found = facts(session, partnership_ids, today)
    settings = {}
    for pid in partnership_ids:
        known = found.get(pid, {})
        policy = Policy.of(known.get("training_months"), known.get("training_requirements"))
        settings[pid] = (policy, bool(known.get("training_tracked")))
    return settings


def coverage(
    session: Session, partnership_ids, today: date, *, only_tracked: bool = False
) -> dict[int, Coverage]:
    """Each partnership's coverage on `today` (trainings held after it do not count), in three
    statements and the partnerships' facts (read once per page), whatever the number of
    partnerships, agencies, people and sessions; with `only_tracked`, partnerships not keeping
    track of training are left empty (and when none does, the facts are all it takes)."""
    settings = _settings(session, partnership_ids, today)
    result = {
        pid: Coverage(pid, today, policy, [], [], tracked=tracked)
        for pid, (policy, tracked) in settings.items()
    }
    wanted = {pid for pid, found in result.items() if found.tracked or not only_tracked}
    if not wanted:
        return result
    agencies = session.scalars(
        select(PartnerAgency)
        .where(PartnerAgency.partnership_id.in_(wanted), PartnerAgency.left_on.is_(None))
        .order_by(PartnerAgency.id)
    ).all()
    members = session.scalars(
        select(Membership)
        .where(
            Membership.partnership_id.in_(wanted),
            Membership.left_at.is_(None),
            Membership.role != Role.OBSERVER,  # read-only seats share nothing
            Membership.partner_agency_id.is_not(None),
        )
        .order_by(Membership.id)
    ).all()
    latest = latest_training(session, [m.id for m in members], today)
    agency_by_id = {a.id: a for a in agencies}
    for agency in agencies:
        result[agency.partnership_id].agencies.append(agency)
    for membership in members:
        agency = agency_by_id.get(membership.partner_agency_id)
        if agency is None:
            continue
        policy = result[membership.partnership_id].policy
        standings = [
            policy.standing(f, latest[membership.id].get(f), today)
            for f in policy.requirements.get(sector_of(agency), ())
        ]
        result[membership.partnership_id].people.append(Person(membership, agency, standings))
    for found in result.values():
        found.people.sort(key=lambda p: p.membership.user.name.lower())
    return result


def latest_training(session: Session, membership_ids: list[int], today: date):
    """membership id -> framework -> the date of the latest session attended that covered it
    (held on or before `today`)."""
    if not membership_ids:
        return defaultdict(dict)
    rows = session.execute(
        select(
            TrainingAttendance.membership_id, TrainingSession.frameworks, TrainingSession.held_on
        )
        .join(TrainingSession, TrainingSession.id == TrainingAttendance.training_id)
        .where(
            TrainingAttendance.membership_id.in_(membership_ids),
            TrainingSession.held_on <= today,
        )
    )
    return _latest(rows)


def _latest(attended) -> dict[int, dict[Framework, date]]:
    """membership id -> framework -> latest date, from (membership id, frameworks, held on)."""
    latest: dict[int, dict[Framework, date]] = defaultdict(dict)
    for membership_id, frameworks, held_on in attended:
        for value in frameworks or []:
            framework = Framework(value)
            known = latest[membership_id].get(framework)
            if known is None or held_on > known:
                latest[membership_id][framework] = held_on
    return latest


# Each person who shares information, with their name, their agency's sector and each session
# they attended by the day asked (none: a row of nulls).
_PEOPLE_TRAINED = (
    select(
        Membership.id,
        Membership.partnership_id,
        User.name,
        Organization.sector,
        TrainingSession.frameworks,
        TrainingSession.held_on,
    )
    .join(User, User.id == Membership.user_id)
    .join(
        PartnerAgency,
        and_(PartnerAgency.id == Membership.partner_agency_id, PartnerAgency.left_on.is_(None)),
    )
    .join(Organization, Organization.id == PartnerAgency.organization_id)
    .outerjoin(TrainingAttendance, TrainingAttendance.membership_id == Membership.id)
    .outerjoin(
        TrainingSession,
        and_(
            TrainingSession.id == TrainingAttendance.training_id,
            TrainingSession.held_on <= bindparam("today"),
        ),
    )
    .where(
        Membership.partnership_id.in_(bindparam("ids", expanding=True)),
        Membership.left_at.is_(None),
        Membership.role != Role.OBSERVER,
    )
)


@dataclass(frozen=True)
class Trainee:
    """A person who shares information, by name, and their standing in each framework."""

    membership_id: int
    name: str
    standings: list[Standing]


def trainees(session: Session, partnership_ids, today: date) -> dict[int, list[Trainee]]:
    """For each partnership keeping track of training, its people by name with their
    standings on `today`: the people of `coverage`, for the dashboard and the overview, in
    one statement of plain rows and the partnerships' facts. The statement runs even when no
    partnership keeps track, so a page runs as many statements whatever it shows."""
    settings = _settings(session, partnership_ids, today)
    tracked = [pid for pid, (_, is_tracked) in settings.items() if is_tracked]
    rows = read_rows(session, _PEOPLE_TRAINED, {"ids": tracked, "today": today}).all()
    latest = _latest((row.id, row.frameworks, row.held_on) for row in rows if row.held_on)
    found: dict[int, list[Trainee]] = {pid: [] for pid in tracked}
    for row in {row.id: row for row in rows}.values():
        policy = settings[row.partnership_id][0]
        standings = [
            policy.standing(framework, latest[row.id].get(framework), today)
            for framework in policy.requirements.get(row.sector, ())
        ]
        found[row.partnership_id].append(Trainee(row.id, row.name, standings))
    for people in found.values():
        people.sort(key=lambda person: (person.name.lower(), person.membership_id))
    return found


# --- a person's own record -----------------------------------------------------------------


@dataclass
class RecordEntry:
    """One partnership's part of a person's record."""

    partnership: Partnership
    membership: Membership
    standings: list[Standing]
    sessions: list[TrainingSession]


def own_record(session: Session, user_id: int, today_of) -> list[RecordEntry]:
    """A person's trainings and standing in every partnership they are on; `today_of(partnership)`
    gives the date there. Four statements."""
    memberships = session.execute(
        select(Membership, Partnership)
        .join(Partnership, Partnership.id == Membership.partnership_id)
        .where(Membership.user_id == user_id, Membership.left_at.is_(None))
        .order_by(Partnership.name)
    ).all()
    if not memberships:
        return []
    ids = [m.id for m, _p in memberships]
    agencies = {
        a.id: a
        for a in session.scalars(
            select(PartnerAgency).where(
                PartnerAgency.id.in_(
                    [m.partner_agency_id for m, _p in memberships if m.partner_agency_id]
                )
            )
        )
    }
    attended = defaultdict(list)
    for membership_id, training in session.execute(
        select(TrainingAttendance.membership_id, TrainingSession)
        .join(TrainingSession, TrainingSession.id == TrainingAttendance.training_id)
        .where(TrainingAttendance.membership_id.in_(ids))
        .order_by(TrainingSession.held_on.desc(), TrainingSession.id)
    ):
        attended[membership_id].append(training)
    by_policy = policies(session, [p.id for _m, p in memberships])
    entries = []
    for membership, partnership in memberships:
        today = today_of(partnership)
        policy = by_policy[partnership.id]
        sessions = attended[membership.id]
        agency = agencies.get(membership.partner_agency_id)
        needed = policy.requirements.get(sector_of(agency), ()) if agency else ()
        seen = {Framework(v) for t in sessions if t.held_on <= today for v in t.frameworks}
        standings = []
        for framework in [f for f in Framework if f in needed or f in seen]:
            held = [
                t.held_on
                for t in sessions
                if t.held_on <= today and framework.value in t.frameworks
            ]
            standings.append(policy.standing(framework, max(held, default=None), today))
        entries.append(RecordEntry(partnership, membership, standings, sessions))
    return entries


# --- the year's record ---------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyFigure:
    agency: str
    trained: int  # people current in every framework their agency needs
    required: int  # people who need training


@dataclass(frozen=True)
class YearFigures:
    sessions: int
    sessions_by_framework: dict[Framework, int]
    agencies: list[AgencyFigure]  # coverage at the period's end


def year_figures(session: Session, partnership_id: int, start: date, end: date) -> YearFigures:
    """Sessions held from `start` to `end` (inclusive), by framework, and each agency's
    coverage on `end` (of the people on the roster now)."""
    held = session.scalars(
        select(TrainingSession.frameworks).where(
            TrainingSession.partnership_id == partnership_id,
            TrainingSession.held_on >= start,
            TrainingSession.held_on <= end,
        )
    ).all()
    by_framework = Counter(Framework(v) for frameworks in held for v in frameworks or [])
    at_end = coverage(session, [partnership_id], end)[partnership_id]
    agencies = []
    for agency in at_end.agencies:
        people = [p for p in at_end.people if p.agency.id == agency.id and p.standings]
        agencies.append(
            AgencyFigure(agency.organization.name, sum(p.is_trained for p in people), len(people))
        )
    return YearFigures(
        len(held), {f: by_framework[f] for f in Framework if by_framework[f]}, agencies
    )


# --- pages ---------------------------------------------------------------------------------


def trainings(session: Session, partnership_id: int) -> list[tuple[TrainingSession, int]]:
    """The partnership's trainings, latest first, with how many attended (one statement)."""
    from sqlalchemy import func

    attended = (
        select(func.count(TrainingAttendance.id))
        .where(TrainingAttendance.training_id == TrainingSession.id)
        .scalar_subquery()
    )
    return [
        (training, count)
        for training, count in session.execute(
            select(TrainingSession, attended)
            .where(TrainingSession.partnership_id == partnership_id)
            .order_by(TrainingSession.held_on.desc(), TrainingSession.id.desc())
        )
    ]


def attendees(session: Session, training_id: int) -> list[tuple[Membership, PartnerAgency | None]]:
    """Who attended a training, with the agency they attended for, by name."""
    rows = session.execute(
        select(Membership, PartnerAgency)
        .join(TrainingAttendance, TrainingAttendance.membership_id == Membership.id)
        .outerjoin(PartnerAgency, PartnerAgency.id == TrainingAttendance.partner_agency_id)
        .where(TrainingAttendance.training_id == training_id)
    ).all()
    return sorted(((m, a) for m, a in rows), key=lambda row: row[0].user.name.lower())


def roster_choices(session: Session, partnership_id: int) -> list[tuple[int, str]]:
    """The active roster as attendee choices: "Name, Agency"."""
    rows = session.execute(
        select(Membership, PartnerAgency)
        .outerjoin(PartnerAgency, PartnerAgency.id == Membership.partner_agency_id)
        .where(Membership.partnership_id == partnership_id, Membership.left_at.is_(None))
    ).all()
    choices = [
        (m.id, f"{m.user.name}, {a.organization.name}" if a else f"{m.user.name} (no agency)")
        for m, a in rows
    ]
    return sorted(choices, key=lambda choice: choice[1].lower())
