"""The roster: who represents which agency, in which role, and its CSV export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from partnerhub.audit.services import record
from partnerhub.auth.models import User
from partnerhub.db import read_rows
from partnerhub.errors import DomainError, InvalidTransition, NotFound
from partnerhub.partnerships.models import (
    Membership,
    Organization,
    PartnerAgency,
    Partnership,
    Role,
    sector_display,
)
from partnerhub.partnerships.services.agencies import AgencyLine, get_agency
from partnerhub.partnerships.services.partnerships import changed_fields
from partnerhub.spreadsheets import csv_text


def roster(session: Session, partnership: Partnership) -> list[Membership]:
    """Everyone who is or was on the roster, with their agency, current people first."""
    return list(
        session.scalars(
            select(Membership)
            .where(Membership.partnership_id == partnership.id)
            .options(joinedload(Membership.partner_agency))
            .order_by(Membership.left_at.is_not(None), Membership.id)
        )
    )


@dataclass(frozen=True, slots=True)
class RosterLine:
    """A person who is or was on the roster, as the roster page and its CSV list them."""

    id: int
    name: str
    email: str
    role: Role
    position: str
    partner_agency_id: int | None
    agency: str
    sector: str
    is_legal_advisor: bool
    is_signatory: bool
    joined_at: datetime
    left_at: datetime | None

    @property
    def is_active(self) -> bool:
        return self.left_at is None


def roster_lines(session: Session, partnership: Partnership) -> list[RosterLine]:
    """Everyone who is or was on the roster, current people first, as plain rows (the
    objects of a person, their account and their agency cost more to build than to read;
    the row's fields are unpacked, as reading each by name costs ten times more)."""
    rows = read_rows(session, _roster_lines(), {"partnership_id": partnership.id})
    return [
        RosterLine(
            key,
            name,
            email,
            role,
            position,
            agency_id,
            agency or "",
            sector_display(sector, label) if sector else "",
            *rest,  # the flags and the dates, as RosterLine has them
        )
        for key, name, email, role, position, agency_id, agency, sector, label, *rest in rows
    ]


@cache
def _roster_lines() -> Select:
    # built once, as a statement costs more to set up than this one takes to run
    return (
        select(
            Membership.id,
            User.name,
            User.email,
            Membership.role,
            Membership.position,
            Membership.partner_agency_id,
            Organization.name.label("agency"),
            Organization.sector,
            Organization.sector_label,
            Membership.is_legal_advisor,
            Membership.is_signatory,
            Membership.joined_at,
            Membership.left_at,
        )
        .join(Membership.user)
        .outerjoin(Membership.partner_agency)
        .outerjoin(PartnerAgency.organization)
        .where(Membership.partnership_id == bindparam("partnership_id"))
        .order_by(Membership.left_at.is_not(None), Membership.id)
    )


@dataclass
class Seating:
    """The people on the roster now, and the same people by the agency they represent."""

    current: list[RosterLine]
    # each agency at the table with its people, then the people of none (if any)
    sections: list[tuple[AgencyLine | None, list[RosterLine]]]


def seating(members: list[RosterLine], agencies: list[AgencyLine]) -> Seating:
    """Group the current people under the agencies at the table in one pass (not a filter of
    everyone per agency); the rest are unaffiliated."""
    current = [m for m in members if m.is_active]
    by_agency: dict[int, list[RosterLine]] = {a.id: [] for a in agencies}
    unaffiliated = []
    for member in current:
        by_agency.get(member.partner_agency_id, unaffiliated).append(member)
    sections = [(agency, by_agency[agency.id]) for agency in agencies]
    if unaffiliated:
        sections.append((None, unaffiliated))
    return Seating(current, sections)


def get_membership(session: Session, partnership: Partnership, membership_id: int) -> Membership:
    """A person on this partnership's roster (else NotFound)."""
    membership = session.get(Membership, membership_id)
    if membership is None or membership.partnership_id != partnership.id:
        raise NotFound("No such person on this roster.")
    return membership


@dataclass
class RosterEntry:
    """What a facilitator sets for a person on the roster (or invites them with)."""

    role: Role
    partner_agency_id: int | None
    position: str = ""
    is_legal_advisor: bool = False
    is_signatory: bool = False


def check_agency(session: Session, partnership: Partnership, agency_id: int | None) -> None:
    if agency_id:
        agency = get_agency(session, partnership, agency_id)
        if not agency.is_active:
            raise DomainError(f"{agency.organization.name} has left the partnership.")


def _facilitator_count(session: Session, partnership_id: int) -> int:
    return session.scalar(
        select(func.count()).where(
            Membership.partnership_id == partnership_id,
            Membership.role == Role.FACILITATOR,
            Membership.left_at.is_(None),
        )
    )


def _keep_a_facilitator(session: Session, membership: Membership) -> None:
    if (
        membership.role is Role.FACILITATOR
        and _facilitator_count(session, membership.partnership_id) <= 1
    ):
        raise InvalidTransition(
            "A partnership needs a facilitator. Make someone else facilitator first."
        )


def update_membership(
    session: Session, actor: User, membership: Membership, entry: RosterEntry, now: datetime
) -> None:
    """Change a person's role, agency, position or flags."""
    if not membership.is_active:
        raise InvalidTransition("That person has left the partnership.")
    partnership = session.get(Partnership, membership.partnership_id)
    check_agency(session, partnership, entry.partner_agency_id)
    if entry.role is not Role.FACILITATOR:
        _keep_a_facilitator(session, membership)
    if entry.partner_agency_id != membership.partner_agency_id:
        _drop_contact_roles(session, membership)
    membership.role = entry.role
    membership.partner_agency_id = entry.partner_agency_id or None
    membership.position = entry.position.strip()
    membership.is_legal_advisor = entry.is_legal_advisor
    membership.is_signatory = entry.is_signatory
    changed = changed_fields(session, membership)
    if changed:
        record(
            session,
            actor,
            "member.updated",
            membership,
            f"Changed {membership.user.name}: {', '.join(sorted(changed))}",
            now,
            partnership_id=membership.partnership_id,
            details=changed,
        )


def _drop_contact_roles(session: Session, membership: Membership) -> None:
    """A person who no longer represents an agency is no longer its liaison or alternate."""
    for agency in session.scalars(
        select(PartnerAgency).where(
            (PartnerAgency.liaison_id == membership.id)
            | (PartnerAgency.alternate_id == membership.id)
        )
    ):
        if agency.liaison_id == membership.id:
            agency.liaison_id = None
        if agency.alternate_id == membership.id:
            agency.alternate_id = None


def remove_membership(session: Session, actor: User, membership: Membership, now: datetime) -> None:
    """Take a person off the roster; their history stays, with the date they left."""
    if not membership.is_active:
        raise InvalidTransition(f"{membership.user.name} has already left.")
    _keep_a_facilitator(session, membership)
    _drop_contact_roles(session, membership)
    membership.left_at = now
    record(
        session,
        actor,
        "member.removed",
        membership,
        f"Removed {membership.user.name} from the roster",
        now,
        partnership_id=membership.partnership_id,
    )


CSV_HEADER = (
    "Name",
    "Email",
    "Role",
    "Agency",
    "Sector",
    "Position",
    "Liaison",
    "Legal advisor",
    "Signatory",
    "Joined",
    "Left",
)


def roster_csv(members: list[RosterLine], agencies: list[AgencyLine], tz: str) -> str:
    """The roster as CSV text, safe to open in a spreadsheet."""
    contacts = {}
    for agency in agencies:
        contacts[agency.liaison_id] = "liaison"
        contacts[agency.alternate_id] = "alternate"
    rows = []
    for m in members:
        row = (
            m.name,
            m.email,
            m.role.label,
            m.agency,
            m.sector,
            m.position,
            contacts.get(m.id, ""),
            "yes" if m.is_legal_advisor else "",
            "yes" if m.is_signatory else "",
            m.joined_at.astimezone(ZoneInfo(tz)).date().isoformat(),
            m.left_at.astimezone(ZoneInfo(tz)).date().isoformat() if m.left_at else "",
        )
        rows.append(row)
    return csv_text(CSV_HEADER, rows)
