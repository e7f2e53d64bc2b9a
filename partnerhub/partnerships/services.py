"""Partnerships: creating them, their agencies, roster, invitations and stages.

Every change is recorded in the audit trail in the same transaction.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import func, inspect, or_, select
from sqlalchemy.orm import Session, selectinload

from partnerhub.audit.services import record
from partnerhub.auth import services as accounts
from partnerhub.auth.models import User
from partnerhub.errors import Conflict, DomainError, InvalidTransition, NotFound, PermissionDenied
from partnerhub.notifications import OutboxMessage, queue_email, render_email
from partnerhub.partnerships.models import (
    CORE_SECTORS,
    ChecklistTick,
    Invitation,
    Membership,
    Organization,
    PartnerAgency,
    Partnership,
    Role,
    Sector,
    SectorAbsence,
    Stage,
    StageTransition,
)
from partnerhub.partnerships.registry import Check, CheckResult, registry

INVITATION_VALID_FOR = timedelta(days=7)


def local_today(partnership: Partnership, now: datetime) -> date:
    """The date it is now where the partnership meets."""
    return now.astimezone(ZoneInfo(partnership.timezone)).date()


# --- partnerships -------------------------------------------------------------------------


@dataclass
class PartnershipDetails:
    """What a facilitator fills in to create or edit a partnership."""

    name: str
    community: str
    purpose: str
    timezone: str
    meeting_cadence: str = ""


def _apply_details(session: Session, partnership: Partnership, details: PartnershipDetails):
    name = details.name.strip()
    if details.timezone not in available_timezones():
        raise DomainError(f"{details.timezone} is not a known time zone.")
    same_name = select(Partnership.id).where(Partnership.name_key == name.lower())
    if partnership.id is not None:
        same_name = same_name.where(Partnership.id != partnership.id)
    taken = session.scalar(same_name)
    if taken is not None:
        raise Conflict(f"A partnership named {name} already exists. Choose another name.")
    partnership.name = name
    partnership.name_key = name.lower()
    partnership.community = details.community.strip()
    partnership.purpose = details.purpose.strip()
    partnership.timezone = details.timezone
    partnership.meeting_cadence = details.meeting_cadence.strip()


def create_partnership(
    session: Session, actor: User, details: PartnershipDetails, now: datetime
) -> Partnership:
    """Start a partnership; its creator becomes its first facilitator."""
    partnership = Partnership(created_by_id=actor.id, stage=Stage.PARTNER)
    _apply_details(session, partnership, details)
    session.add(partnership)
    session.flush()
    session.add(
        Membership(
            partnership_id=partnership.id, user_id=actor.id, role=Role.FACILITATOR, joined_at=now
        )
    )
    record(
        session,
        actor,
        "partnership.created",
        partnership,
        f"Created the partnership {partnership.name}",
        now,
        partnership_id=partnership.id,
    )
    return partnership


def update_partnership(
    session: Session,
    actor: User,
    partnership: Partnership,
    details: PartnershipDetails,
    now: datetime,
) -> None:
    """Change a partnership's name, community, purpose, time zone or cadence."""
    _apply_details(session, partnership, details)
    changed = _changes(session, partnership)
    if changed:
        record(
            session,
            actor,
            "partnership.updated",
            partnership,
            f"Changed {', '.join(sorted(changed))}",
            now,
            partnership_id=partnership.id,
            details=changed,
        )


def _changes(session: Session, obj) -> dict[str, list]:
    """The attributes of `obj` changed in this transaction: name -> [old, new]."""
    changes = {}
    for attr in inspect(obj).attrs:
        history = attr.history
        if history.has_changes() and attr.key not in ("updated_at", "name_key"):
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            changes[attr.key] = [_plain(old), _plain(new)]
    return changes


def _plain(value):
    if hasattr(value, "value"):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


# --- dashboard ----------------------------------------------------------------------------


@dataclass
class DashboardRow:
    partnership: Partnership
    membership: Membership
    attention: list


def dashboard(session: Session, user: User, today: date) -> list[DashboardRow]:
    """The user's partnerships with their role and what needs attention, in a few queries."""
    rows = session.execute(
        select(Partnership, Membership)
        .join(Membership, Membership.partnership_id == Partnership.id)
        .where(Membership.user_id == user.id, Membership.left_at.is_(None))
        .order_by(Partnership.name)
    ).all()
    ids = [partnership.id for partnership, _ in rows]
    attention = defaultdict(list)
    if ids:
        for source in registry.attention_sources:
            for item in source(session, ids, today):
                attention[item.partnership_id].append(item)
    return [DashboardRow(p, m, attention[p.id]) for p, m in rows]


# --- agencies -----------------------------------------------------------------------------


def active_agencies(session: Session, partnership: Partnership) -> list[PartnerAgency]:
    """The agencies at the table now, with their liaison and alternate, by name."""
    return list(
        session.scalars(
            select(PartnerAgency)
            .join(PartnerAgency.organization)
            .where(PartnerAgency.partnership_id == partnership.id, PartnerAgency.left_on.is_(None))
            .options(selectinload(PartnerAgency.liaison), selectinload(PartnerAgency.alternate))
            .order_by(Organization.name)
        )
    )


def former_agencies(session: Session, partnership: Partnership) -> list[PartnerAgency]:
    """Agencies that left the table, most recent first."""
    return list(
        session.scalars(
            select(PartnerAgency)
            .where(
                PartnerAgency.partnership_id == partnership.id, PartnerAgency.left_on.is_not(None)
            )
            .order_by(PartnerAgency.left_on.desc())
        )
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


# --- the shared directory of organizations (site admins) ------------------------------------


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


# --- sector coverage ----------------------------------------------------------------------


@dataclass
class SectorCoverage:
    sector: Sector
    agencies: list
    absence: SectorAbsence | None

    @property
    def covered(self) -> bool:
        return bool(self.agencies)

    @property
    def settled(self) -> bool:
        return self.covered or self.absence is not None


def sector_coverage(
    session: Session, partnership: Partnership, agencies: list[PartnerAgency] | None = None
) -> list[SectorCoverage]:
    """For each core sector: the agencies representing it, or the recorded absence reason."""
    if agencies is None:
        agencies = active_agencies(session, partnership)
    absences = {
        a.sector: a
        for a in session.scalars(
            select(SectorAbsence).where(SectorAbsence.partnership_id == partnership.id)
        )
    }
    return [
        SectorCoverage(
            sector,
            [a for a in agencies if a.organization.sector is sector],
            absences.get(sector),
        )
        for sector in CORE_SECTORS
    ]


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
    absence = session.scalar(
        select(SectorAbsence).where(
            SectorAbsence.partnership_id == partnership.id, SectorAbsence.sector == sector
        )
    )
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


# --- roster -------------------------------------------------------------------------------


def roster(session: Session, partnership: Partnership) -> list[Membership]:
    """Everyone who is or was on the roster, with their agency, current people first."""
    return list(
        session.scalars(
            select(Membership)
            .where(Membership.partnership_id == partnership.id)
            .options(selectinload(Membership.partner_agency))
            .order_by(Membership.left_at.is_not(None), Membership.id)
        )
    )


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


def _check_agency(session: Session, partnership: Partnership, agency_id: int | None) -> None:
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
    _check_agency(session, partnership, entry.partner_agency_id)
    if entry.role is not Role.FACILITATOR:
        _keep_a_facilitator(session, membership)
    if entry.partner_agency_id != membership.partner_agency_id:
        _drop_contact_roles(session, membership)
    membership.role = entry.role
    membership.partner_agency_id = entry.partner_agency_id or None
    membership.position = entry.position.strip()
    membership.is_legal_advisor = entry.is_legal_advisor
    membership.is_signatory = entry.is_signatory
    changed = _changes(session, membership)
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


def _csv_safe(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; make them plain text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def roster_csv(members: list[Membership], agencies: list[PartnerAgency], tz: str) -> str:
    """The roster as CSV text, safe to open in a spreadsheet."""
    contacts = {}
    for agency in agencies:
        contacts[agency.liaison_id] = "liaison"
        contacts[agency.alternate_id] = "alternate"
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for m in members:
        agency = m.partner_agency
        row = (
            m.user.name,
            m.user.email,
            m.role.label,
            agency.organization.name if agency else "",
            agency.organization.sector_display if agency else "",
            m.position,
            contacts.get(m.id, ""),
            "yes" if m.is_legal_advisor else "",
            "yes" if m.is_signatory else "",
            m.joined_at.astimezone(ZoneInfo(tz)).date().isoformat(),
            m.left_at.astimezone(ZoneInfo(tz)).date().isoformat() if m.left_at else "",
        )
        writer.writerow([_csv_safe(str(cell)) for cell in row])
    return out.getvalue()


# --- invitations --------------------------------------------------------------------------


def pending_invitations(session: Session, partnership: Partnership) -> list[Invitation]:
    """Invitations neither accepted nor revoked (expired ones too, so they can be resent)."""
    return list(
        session.scalars(
            select(Invitation)
            .where(
                Invitation.partnership_id == partnership.id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .order_by(Invitation.created_at.desc())
        )
    )


def get_invitation(session: Session, partnership: Partnership, invitation_id: int) -> Invitation:
    """An invitation of this partnership (else NotFound)."""
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.partnership_id != partnership.id:
        raise NotFound("No such invitation.")
    return invitation


LinkFor = Callable[[str], str]


def invite(
    session: Session,
    actor: User,
    partnership: Partnership,
    email: str,
    name: str,
    entry: RosterEntry,
    link_for: LinkFor,
    now: datetime,
) -> OutboxMessage:
    """Invite a person by email; returns the queued invitation email."""
    email = accounts.normalize_email(email)
    _check_agency(session, partnership, entry.partner_agency_id)
    on_roster = session.scalar(
        select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.partnership_id == partnership.id,
            Membership.left_at.is_(None),
            User.email == email,
        )
    )
    if on_roster:
        raise Conflict(f"{email} is already on this partnership's roster.")
    pending = session.scalar(
        select(Invitation.id).where(
            Invitation.partnership_id == partnership.id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
    )
    if pending:
        raise Conflict(f"{email} already has an open invitation. Resend it from the roster.")
    invitation = Invitation(
        partnership_id=partnership.id,
        email=email,
        name=name.strip(),
        role=entry.role,
        partner_agency_id=entry.partner_agency_id or None,
        position=entry.position.strip(),
        is_legal_advisor=entry.is_legal_advisor,
        is_signatory=entry.is_signatory,
        invited_by_id=actor.id,
        created_at=now,
    )
    message = _issue(session, actor, invitation, link_for, now)
    record(
        session,
        actor,
        "invitation.sent",
        invitation,
        f"Invited {invitation.name} <{email}> as {entry.role.label.lower()}",
        now,
        partnership_id=partnership.id,
    )
    return message


def _issue(
    session: Session, actor: User, invitation: Invitation, link_for: LinkFor, now: datetime
) -> OutboxMessage:
    """Give the invitation a fresh token and expiry and queue the email carrying its link."""
    raw, digest = accounts.new_token()
    invitation.token_hash = digest
    invitation.expires_at = now + INVITATION_VALID_FOR
    session.add(invitation)
    session.flush()
    partnership = invitation.partnership or session.get(Partnership, invitation.partnership_id)
    text, html = render_email(
        "invitation",
        invitation=invitation,
        partnership=partnership,
        inviter=actor,
        link=link_for(raw),
        expires=invitation.expires_at.astimezone(ZoneInfo(partnership.timezone)),
    )
    return queue_email(
        session,
        key=f"invitation:{invitation.id}:{digest[:16]}",
        kind="invitation",
        to=invitation.email,
        subject=f"You are invited to join {partnership.name} on PartnerHub",
        text=text,
        html=html,
        now=now,
        partnership_id=partnership.id,
        about=f"invitation:{invitation.id}",
    )


def _open(invitation: Invitation) -> None:
    if invitation.accepted_at is not None:
        raise InvalidTransition("That invitation was already accepted.")
    if invitation.revoked_at is not None:
        raise InvalidTransition("That invitation was revoked.")


def resend_invitation(
    session: Session, actor: User, invitation: Invitation, link_for: LinkFor, now: datetime
) -> OutboxMessage:
    """Send a new link (the old one stops working) valid for another seven days."""
    _open(invitation)
    message = _issue(session, actor, invitation, link_for, now)
    record(
        session,
        actor,
        "invitation.resent",
        invitation,
        f"Resent the invitation to {invitation.email}",
        now,
        partnership_id=invitation.partnership_id,
    )
    return message


def revoke_invitation(session: Session, actor: User, invitation: Invitation, now: datetime):
    """Make an invitation's link stop working."""
    _open(invitation)
    invitation.revoked_at = now
    record(
        session,
        actor,
        "invitation.revoked",
        invitation,
        f"Revoked the invitation to {invitation.email}",
        now,
        partnership_id=invitation.partnership_id,
    )


def invitation_for_token(session: Session, raw: str, now: datetime) -> Invitation:
    """The open invitation behind a link; NotFound for a forged link, InvalidTransition
    for one that was used, revoked or has expired."""
    invitation = session.scalar(
        select(Invitation).where(Invitation.token_hash == accounts.token_digest(raw))
    )
    if invitation is None:
        raise NotFound("That invitation link is not valid.")
    _open(invitation)
    if invitation.expires_at <= now:
        raise InvalidTransition("That invitation has expired.")
    return invitation


def accept_invitation(
    session: Session, invitation: Invitation, user: User, now: datetime
) -> Membership:
    """Put the invited person on the roster as the invitation says; the link is used up."""
    _open(invitation)
    if user.email != invitation.email:
        raise DomainError(f"This invitation is for {invitation.email}.")
    membership = session.scalar(
        select(Membership).where(
            Membership.partnership_id == invitation.partnership_id, Membership.user_id == user.id
        )
    )
    agency_id = invitation.partner_agency_id
    agency = session.get(PartnerAgency, agency_id) if agency_id else None
    if membership is None:
        membership = Membership(partnership_id=invitation.partnership_id, user_id=user.id)
        session.add(membership)
    membership.role = invitation.role
    membership.partner_agency_id = agency_id if agency and agency.is_active else None
    membership.position = invitation.position
    membership.is_legal_advisor = invitation.is_legal_advisor
    membership.is_signatory = invitation.is_signatory
    membership.joined_at, membership.left_at = now, None
    invitation.accepted_at = now
    record(
        session,
        user,
        "invitation.accepted",
        invitation,
        f"{user.name} accepted the invitation and joined as {invitation.role.label.lower()}",
        now,
        partnership_id=invitation.partnership_id,
    )
    return membership


def accept_as_new_user(
    session: Session, invitation: Invitation, name: str, password: str, now: datetime
) -> User:
    """Create the invited person's account and put them on the roster."""
    _open(invitation)
    user = accounts.create_user(
        session, invitation.email, name, password, timezone=invitation.partnership.timezone
    )
    accept_invitation(session, invitation, user, now)
    return user


# --- stages -------------------------------------------------------------------------------


@dataclass
class ChecklistItem:
    check: Check
    done: bool
    detail: str = ""
    tick: ChecklistTick | None = None

    @property
    def manual(self) -> bool:
        return self.check.compute is None


def checklist(
    session: Session, partnership: Partnership, today: date, stage: Stage | None = None
) -> list[ChecklistItem]:
    """The stage's checklist items, computed ones evaluated now, manual ones with their tick."""
    stage = stage or partnership.stage
    ticks = {
        t.item_key: t
        for t in session.scalars(
            select(ChecklistTick).where(ChecklistTick.partnership_id == partnership.id)
        )
    }
    items = []
    for check in registry.checks:
        if check.stage is not stage:
            continue
        if check.compute is None:
            tick = ticks.get(check.key)
            items.append(ChecklistItem(check, tick is not None, tick=tick))
        else:
            result: CheckResult = check.compute(session, partnership, today)
            items.append(ChecklistItem(check, result.done, result.detail))
    return items


def _manual_check(key: str) -> Check:
    check = next((c for c in registry.checks if c.key == key and c.compute is None), None)
    if check is None:
        raise NotFound("No such checklist item.")
    return check


def tick(
    session: Session, actor: User, partnership: Partnership, key: str, note: str, now: datetime
) -> None:
    """Tick a hand-checked item, recording who and when."""
    check = _manual_check(key)
    exists = session.scalar(
        select(ChecklistTick).where(
            ChecklistTick.partnership_id == partnership.id, ChecklistTick.item_key == key
        )
    )
    if exists is not None:
        return
    session.add(
        ChecklistTick(
            partnership_id=partnership.id,
            item_key=key,
            ticked_by_id=actor.id,
            ticked_at=now,
            note=note.strip(),
        )
    )
    record(
        session,
        actor,
        "checklist.ticked",
        partnership,
        f"Ticked “{check.label}”",
        now,
        partnership_id=partnership.id,
        details={"item": key},
    )


def untick(session: Session, actor: User, partnership: Partnership, key: str, now: datetime):
    """Take a tick back."""
    check = _manual_check(key)
    existing = session.scalar(
        select(ChecklistTick).where(
            ChecklistTick.partnership_id == partnership.id, ChecklistTick.item_key == key
        )
    )
    if existing is None:
        return
    session.delete(existing)
    record(
        session,
        actor,
        "checklist.unticked",
        partnership,
        f"Unticked “{check.label}”",
        now,
        partnership_id=partnership.id,
        details={"item": key},
    )


def advance(
    session: Session, actor: User, partnership: Partnership, reason: str, now: datetime
) -> StageTransition:
    """Move to the next stage when its required items hold, or override with a reason."""
    stages = list(Stage)
    if partnership.stage is Stage.ACT:
        raise InvalidTransition("The partnership is already in its last stage, Act.")
    unmet = [
        item.check.label
        for item in checklist(session, partnership, local_today(partnership, now))
        if item.check.required and not item.done
    ]
    reason = reason.strip()
    if unmet and not reason:
        raise InvalidTransition(
            "Some required items are not done yet: "
            + "; ".join(unmet)
            + ". Finish them, or give a reason to advance anyway."
        )
    return _move(
        session, actor, partnership, stages[partnership.stage.position + 1], reason, unmet, now
    )


def go_back(
    session: Session, actor: User, partnership: Partnership, reason: str, now: datetime
) -> StageTransition:
    """Return to the previous stage (e.g. a new agency joins and must go through Partner)."""
    if partnership.stage is Stage.PARTNER:
        raise InvalidTransition("The partnership is in its first stage, Partner.")
    if not reason.strip():
        raise DomainError("Say why the partnership goes back a stage.")
    previous = list(Stage)[partnership.stage.position - 1]
    return _move(session, actor, partnership, previous, reason.strip(), [], now)


def _move(session, actor, partnership, to_stage, reason, unmet, now) -> StageTransition:
    transition = StageTransition(
        partnership_id=partnership.id,
        from_stage=partnership.stage,
        to_stage=to_stage,
        actor_id=actor.id,
        at=now,
        reason=reason,
        unmet_items=unmet,
    )
    session.add(transition)
    summary = f"Moved from {partnership.stage.label} to {to_stage.label}"
    if unmet:
        summary += f", overriding {len(unmet)} open item(s): {reason}"
    elif reason:
        summary += f": {reason}"
    partnership.stage = to_stage
    record(
        session,
        actor,
        "stage.changed",
        partnership,
        summary,
        now,
        partnership_id=partnership.id,
        details={"unmet": unmet},
    )
    return transition


def transitions(session: Session, partnership: Partnership) -> list[StageTransition]:
    """The partnership's moves between stages, newest first."""
    return list(
        session.scalars(
            select(StageTransition)
            .where(StageTransition.partnership_id == partnership.id)
            .order_by(StageTransition.at.desc(), StageTransition.id.desc())
        )
    )
