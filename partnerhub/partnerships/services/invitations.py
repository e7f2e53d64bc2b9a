"""Invitations: single-use, expiring links by email, accepted by a member or a new account."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from partnerhub.audit.services import record
from partnerhub.auth import services as accounts
from partnerhub.auth.models import User
from partnerhub.db import columns_of, read_rows
from partnerhub.errors import Conflict, DomainError, InvalidTransition, NotFound
from partnerhub.notifications import OutboxMessage, queue_email, render_email
from partnerhub.partnerships.models import (
    Invitation,
    Membership,
    PartnerAgency,
    Partnership,
    Role,
)
from partnerhub.partnerships.services.roster import RosterEntry, check_agency

INVITATION_VALID_FOR = timedelta(days=7)


class OpenInvitation(NamedTuple):
    """An invitation as the roster lists it, to resend or revoke."""

    id: int
    name: str
    email: str
    role: Role
    expires_at: datetime


def pending_invitations(session: Session, partnership: Partnership) -> list[OpenInvitation]:
    """Invitations neither accepted nor revoked (expired ones too, so they can be resent),
    the newest first, as plain rows."""
    rows = read_rows(session, _pending_invitations(), {"partnership_id": partnership.id})
    return list(map(OpenInvitation._make, rows))


@cache
def _pending_invitations() -> Select:
    return (
        select(*columns_of(Invitation, OpenInvitation))
        .where(
            Invitation.partnership_id == bindparam("partnership_id"),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .order_by(Invitation.created_at.desc())
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
    check_agency(session, partnership, entry.partner_agency_id)
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
