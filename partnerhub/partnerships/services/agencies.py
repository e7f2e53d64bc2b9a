"""The agencies at a partnership's table, the organizations behind them (private to the
partnership that typed them, or in the shared directory), and which core sectors are covered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased, contains_eager

from partnerhub.audit.services import record
from partnerhub.auth.models import User
from partnerhub.db import read_rows
from partnerhub.errors import Conflict, DomainError, InvalidTransition, NotFound, PermissionDenied
from partnerhub.partnerships.models import (
    CORE_SECTORS,
    Membership,
    Organization,
    PartnerAgency,
    Partnership,
    Sector,
    SectorAbsence,
    sector_display,
)
from partnerhub.partnerships.services.partnerships import local_today


def active_agencies(session: Session, partnership: Partnership) -> list[PartnerAgency]:
    """The agencies at the table now, by name."""
    return list(session.scalars(_active_agencies(), {"partnership_id": partnership.id}))


@cache
def _active_agencies() -> Select:
    # built once, as are this module's other reads of a page: building a statement and
    # working out its key in SQLAlchemy's cache cost more than running it
    return (
        select(PartnerAgency)
        .join(PartnerAgency.organization)
        .where(
            PartnerAgency.partnership_id == bindparam("partnership_id"),
            PartnerAgency.left_on.is_(None),
        )
        .options(contains_eager(PartnerAgency.organization))  # the join that sorts, once
        .order_by(Organization.name)
    )


@dataclass(frozen=True, slots=True)
class AgencyLine:
    """An agency at the table (or one that left it) as the agencies and roster pages list it."""

    id: int
    name: str
    sector: Sector
    sector_display: str
    joined_on: date
    left_on: date | None
    liaison_id: int | None
    liaison: str | None
    alternate_id: int | None
    alternate: str | None


def agency_lines(session: Session, partnership: Partnership) -> list[AgencyLine]:
    """The agencies at the table now, by name, with their liaison's and alternate's names:
    plain rows, not the six objects an agency and its contacts would be."""
    return _lines(session, _agency_lines(with_former=False), partnership)


def agencies_now_and_former(
    session: Session, partnership: Partnership
) -> tuple[list[AgencyLine], list[AgencyLine]]:
    """The agencies at the table now (as `agency_lines`) and those that left it, the most
    recent first, in one statement."""
    lines = _lines(session, _agency_lines(with_former=True), partnership)
    now = [line for line in lines if line.left_on is None]
    return now, lines[len(now) :]


def _lines(session: Session, statement: Select, partnership: Partnership) -> list[AgencyLine]:
    rows = read_rows(session, statement, {"partnership_id": partnership.id})
    return [
        AgencyLine(key, name, sector, sector_display(sector, label), *dates_and_contacts)
        for key, name, sector, label, *dates_and_contacts in rows
    ]


@cache
def _agency_lines(with_former: bool) -> Select:
    # built once for each shape: the contacts' aliases cost more to set up than the query
    # takes to run
    liaison, alternate = aliased(Membership), aliased(Membership)
    liaison_user, alternate_user = aliased(User), aliased(User)
    lines = (
        select(
            PartnerAgency.id,
            Organization.name,
            Organization.sector,
            Organization.sector_label,
            PartnerAgency.joined_on,
            PartnerAgency.left_on,
            PartnerAgency.liaison_id,  # then the contacts, in AgencyLine's order
            liaison_user.name,
            PartnerAgency.alternate_id,
            alternate_user.name,
        )
        .join(PartnerAgency.organization)
        .outerjoin(liaison, liaison.id == PartnerAgency.liaison_id)
        .outerjoin(liaison_user, liaison_user.id == liaison.user_id)
        .outerjoin(alternate, alternate.id == PartnerAgency.alternate_id)
        .outerjoin(alternate_user, alternate_user.id == alternate.user_id)
        .where(PartnerAgency.partnership_id == bindparam("partnership_id"))
    )
    if not with_former:
        return lines.where(PartnerAgency.left_on.is_(None)).order_by(Organization.name)
    # those at the table first, by name; then those that left, the most recent first
    return lines.order_by(
        PartnerAgency.left_on.is_not(None), PartnerAgency.left_on.desc(), Organization.name
    )


def seen_by(partnership: Partnership):
    """The organizations a partnership may see: the shared directory, those it typed in, and
    those it has had at its table."""
    had = select(PartnerAgency.organization_id).where(
        PartnerAgency.partnership_id == partnership.id
    )
    return or_(
        Organization.shared,
        Organization.owner_partnership_id == partnership.id,
        Organization.id.in_(had),
    )


def available_organizations(session: Session, partnership: Partnership) -> list[Organization]:
    """Organizations that could join: those this partnership sees, not at its table now."""
    seated = select(PartnerAgency.organization_id).where(
        PartnerAgency.partnership_id == partnership.id, PartnerAgency.left_on.is_(None)
    )
    return list(
        session.scalars(
            select(Organization)
            .where(seen_by(partnership), Organization.id.not_in(seated))
            .order_by(Organization.name, Organization.id)
        )
    )


def get_agency(session: Session, partnership: Partnership, agency_id: int) -> PartnerAgency:
    """An agency of this partnership (else NotFound)."""
    agency = session.get(PartnerAgency, agency_id)
    if agency is None or agency.partnership_id != partnership.id:
        raise NotFound("No such agency in this partnership.")
    return agency


@dataclass
class NewOrganization:
    name: str
    sector: Sector
    sector_label: str = ""


def add_agency(
    session: Session,
    actor: User,
    partnership: Partnership,
    now: datetime,
    *,
    organization_id: int | None = None,
    new: NewOrganization | None = None,
) -> tuple[PartnerAgency, bool]:
    """Seat an existing organization, or a new one, at the table.

    Returns the agency and whether an existing organization of the same name was reused.
    """
    reused = False
    if organization_id:
        organization = session.scalar(
            select(Organization).where(Organization.id == organization_id, seen_by(partnership))
        )
        if organization is None:
            raise NotFound("That organization does not exist.")
    else:
        # Its own organization of that name first, then the shared directory's; another
        # partnership's private one is never matched, so the answer tells nothing about it.
        organization = session.scalar(
            select(Organization)
            .where(Organization.name_key == new.name.strip().lower(), seen_by(partnership))
            .order_by(Organization.shared, Organization.id)
            .limit(1)
        )
        reused = organization is not None
        if organization is None:
            organization = _create_organization(session, new, partnership)
    agency = session.scalar(
        select(PartnerAgency).where(
            PartnerAgency.partnership_id == partnership.id,
            PartnerAgency.organization_id == organization.id,
        )
    )
    today = local_today(partnership, now)
    if agency is not None and agency.is_active:
        raise Conflict(f"{organization.name} is already at this partnership's table.")
    if agency is None:
        agency = PartnerAgency(partnership_id=partnership.id, organization_id=organization.id)
        session.add(agency)
    agency.joined_on, agency.left_on = today, None
    agency.organization = organization
    record(
        session,
        actor,
        "agency.added",
        agency,
        f"Added {organization.name} ({organization.sector_display})",
        now,
        partnership_id=partnership.id,
    )
    return agency, reused


def _create_organization(
    session: Session, new: NewOrganization, partnership: Partnership
) -> Organization:
    label = new.sector_label.strip() if new.sector is Sector.OTHER else None
    if new.sector is Sector.OTHER and not label:
        raise DomainError("Say what kind of organization it is (the sector is 'other').")
    name = new.name.strip()
    organization = Organization(
        name=name,
        name_key=name.lower(),
        sector=new.sector,
        sector_label=label,
        owner_partnership_id=partnership.id,
    )
    session.add(organization)
    session.flush()
    return organization


# --- the shared directory of organizations (site admins) ---


@dataclass(frozen=True)
class DirectoryEntry:
    organization: Organization
    owner: str  # the name of the partnership that typed it in, or ""
    partnerships: int  # how many partnerships have had it at their table


def organization_directory(session: Session) -> list[DirectoryEntry]:
    """Every organization, with who typed it in and how many partnerships use it."""
    used = (
        select(func.count(PartnerAgency.id))
        .where(PartnerAgency.organization_id == Organization.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Organization, Partnership.name, used)
        .outerjoin(Partnership, Partnership.id == Organization.owner_partnership_id)
        .order_by(Organization.name, Organization.id)
    )
    return [DirectoryEntry(org, owner or "", count) for org, owner, count in rows]


def share_organization(
    session: Session, actor: User, organization_id: int, now: datetime, *, shared: bool = True
) -> Organization:
    """A site admin puts an organization in the shared directory, or takes it out (the
    partnerships that already seated it keep it)."""
    if not actor.is_admin:
        raise PermissionDenied("Only site administrators manage the shared directory.")
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise NotFound("That organization does not exist.")
    if shared and not organization.shared:
        clash = session.scalar(
            select(Organization.id).where(
                Organization.shared, Organization.name_key == organization.name_key
            )
        )
        if clash is not None:
            raise Conflict(f"{organization.name} is already in the shared directory.")
    organization.shared = shared
    verb = "shared" if shared else "unshared"
    summary = (
        f"Put {organization.name} in the shared directory"
        if shared
        else f"Took {organization.name} out of the shared directory"
    )
    record(session, actor, f"organization.{verb}", organization, summary, now)
    return organization


def agency_members(session: Session, agency: PartnerAgency) -> list[Membership]:
    """The active people representing an agency."""
    return list(
        session.scalars(
            select(Membership)
            .where(Membership.partner_agency_id == agency.id, Membership.left_at.is_(None))
            .order_by(Membership.id)
        )
    )


def name_contacts(
    session: Session,
    actor: User,
    agency: PartnerAgency,
    liaison_id: int | None,
    alternate_id: int | None,
    now: datetime,
) -> None:
    """Name the agency's liaison and alternate, chosen from the people who represent it."""
    members = {m.id: m for m in agency_members(session, agency)}
    for chosen in (liaison_id, alternate_id):
        if chosen and chosen not in members:
            raise DomainError("Choose the liaison and alternate among the agency's own people.")
    if liaison_id and liaison_id == alternate_id:
        raise DomainError("The alternate must be someone other than the liaison.")
    agency.liaison_id, agency.alternate_id = liaison_id or None, alternate_id or None
    names = [members[i].user.name if i else "nobody" for i in (liaison_id, alternate_id)]
    record(
        session,
        actor,
        "agency.contacts",
        agency,
        f"{agency.organization.name}: liaison {names[0]}, alternate {names[1]}",
        now,
        partnership_id=agency.partnership_id,
    )


def remove_agency(session: Session, actor: User, agency: PartnerAgency, now: datetime) -> None:
    """Record that an agency left the table; its history stays."""
    if not agency.is_active:
        raise InvalidTransition(f"{agency.organization.name} has already left.")
    partnership = session.get(Partnership, agency.partnership_id)
    agency.left_on = local_today(partnership, now)
    record(
        session,
        actor,
        "agency.removed",
        agency,
        f"Removed {agency.organization.name}",
        now,
        partnership_id=agency.partnership_id,
    )


# --- sector coverage ---


@dataclass
class SectorCoverage:
    sector: Sector
    agencies: list[AgencyLine]
    absence: SectorAbsence | None

    @property
    def covered(self) -> bool:
        return bool(self.agencies)

    @property
    def settled(self) -> bool:
        return self.covered or self.absence is not None


def sector_coverage(
    session: Session, partnership: Partnership, agencies: list[AgencyLine] | None = None
) -> list[SectorCoverage]:
    """For each core sector: the agencies representing it, or the recorded absence reason.
    The reasons are read only when a core sector has no agency, the one case they are shown."""
    if agencies is None:
        agencies = agency_lines(session, partnership)
    by_sector = {sector: [a for a in agencies if a.sector is sector] for sector in CORE_SECTORS}
    absences = {}
    if not all(by_sector.values()):
        absences = {
            a.sector: a for a in session.scalars(_absences(), {"partnership_id": partnership.id})
        }
    return [
        SectorCoverage(sector, represented, absences.get(sector))
        for sector, represented in by_sector.items()
    ]


@cache
def _absences() -> Select:
    return select(SectorAbsence).where(SectorAbsence.partnership_id == bindparam("partnership_id"))


def sector_absence(
    session: Session, partnership: Partnership, sector: Sector
) -> SectorAbsence | None:
    """Why the partnership recorded `sector` as absent, if it did."""
    return session.scalar(
        select(SectorAbsence).where(
            SectorAbsence.partnership_id == partnership.id, SectorAbsence.sector == sector
        )
    )


def record_absence(
    session: Session,
    actor: User,
    partnership: Partnership,
    sector: Sector,
    reason: str,
    now: datetime,
) -> None:
    """Record why a core sector has no representative (or clear it with an empty reason)."""
    if sector not in CORE_SECTORS:
        raise DomainError("Absence reasons are kept for the five core sectors only.")
    absence = sector_absence(session, partnership, sector)
    reason = reason.strip()
    if not reason:
        if absence is not None:
            session.delete(absence)
            summary = f"Cleared the absence reason for {sector.label}"
            record(
                session,
                actor,
                "sector.absence_cleared",
                partnership,
                summary,
                now,
                partnership_id=partnership.id,
            )
        return
    if absence is None:
        absence = SectorAbsence(partnership_id=partnership.id, sector=sector)
        session.add(absence)
    absence.reason, absence.recorded_by_id, absence.recorded_at = reason, actor.id, now
    record(
        session,
        actor,
        "sector.absence",
        partnership,
        f"Recorded why {sector.label} is absent: {reason}",
        now,
        partnership_id=partnership.id,
    )
