"""Builders for test data: short calls that make real rows in the test database."""

from __future__ import annotations

import itertools
from datetime import date

from sqlalchemy.orm import Session

from partnerhub.auth.models import User
from partnerhub.auth.services import hash_password
from partnerhub.db import utcnow
from partnerhub.partnerships.models import (
    Membership,
    Organization,
    PartnerAgency,
    Partnership,
    Role,
    Sector,
)

PASSWORD = "correct horse battery staple"
# Hashing with argon2 is slow on purpose; tests share one hash of PASSWORD.
_PASSWORD_HASH = hash_password(PASSWORD)
_serial = itertools.count(1)


class Factory:
    """Makes users, partnerships, agencies and memberships, flushed and ready to use."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def user(
        self,
        name: str | None = None,
        *,
        email: str | None = None,
        admin: bool = False,
        timezone: str = "UTC",
        active: bool = True,
    ) -> User:
        n = next(_serial)
        user = User(
            name=name or f"Person {n}",
            email=(email or f"person{n}@example.org").lower(),
            password_hash=_PASSWORD_HASH,
            is_admin=admin,
            timezone=timezone,
            is_active=active,
        )
        self.session.add(user)
        self.session.flush()
        return user

    def organization(
        self,
        name: str | None = None,
        sector: Sector = Sector.SCHOOL,
        sector_label: str | None = None,
    ) -> Organization:
        name = name or f"Agency {next(_serial)}"
        org = Organization(
            name=name, name_key=name.lower(), sector=sector, sector_label=sector_label
        )
        self.session.add(org)
        self.session.flush()
        return org

    def partnership(
        self,
        facilitator: User | None = None,
        *,
        name: str | None = None,
        timezone: str = "America/Denver",
        community: str = "Helena, MT",
        purpose: str = "Agree why, when and how we share information about youth.",
    ) -> Partnership:
        name = name or f"Partnership {next(_serial)}"
        partnership = Partnership(
            name=name,
            name_key=name.lower(),
            community=community,
            purpose=purpose,
            timezone=timezone,
            created_by_id=facilitator.id if facilitator else None,
        )
        self.session.add(partnership)
        self.session.flush()
        if facilitator:
            self.member(partnership, facilitator, Role.FACILITATOR)
        return partnership

    def agency(
        self,
        partnership: Partnership,
        name: str | None = None,
        sector: Sector = Sector.SCHOOL,
        organization: Organization | None = None,
    ) -> PartnerAgency:
        organization = organization or self.organization(name, sector)
        agency = PartnerAgency(
            partnership_id=partnership.id, organization_id=organization.id, joined_on=date.today()
        )
        self.session.add(agency)
        self.session.flush()
        return agency

    def member(
        self,
        partnership: Partnership,
        user: User | None = None,
        role: Role = Role.MEMBER,
        *,
        agency: PartnerAgency | None = None,
        position: str = "",
        legal_advisor: bool = False,
        signatory: bool = False,
    ) -> Membership:
        user = user or self.user()
        membership = Membership(
            partnership_id=partnership.id,
            user_id=user.id,
            role=role,
            partner_agency_id=agency.id if agency else None,
            position=position,
            is_legal_advisor=legal_advisor,
            is_signatory=signatory,
            joined_at=utcnow(),
        )
        self.session.add(membership)
        self.session.flush()
        return membership

    # --- reminders -------------------------------------------------------------------------

    def flag(self, partnership: Partnership, *, title: str = "Helena IGA", due_on=None, **fields):
        from partnerhub.notifications.models import Flag, FlagKind

        due_on = due_on or date.today()
        flag = Flag(
            partnership_id=partnership.id,
            kind=fields.pop("kind", FlagKind.AGREEMENT_RENEWAL),
            subject=fields.pop("subject", f"agreement:{next(_serial)}"),
            title=title,
            due_on=due_on,
            raised_on=fields.pop("raised_on", due_on),
            threshold=fields.pop("threshold", "notice"),
            **fields,
        )
        self.session.add(flag)
        self.session.flush()
        return flag
