"""Partnerships, the agencies at their table, the people on their roster, and their stages."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnerhub.auth.models import User
from partnerhub.db import Base, Timestamped, enum_type, utcnow


class Sector(enum.Enum):
    SCHOOL = "school"
    LAW_ENFORCEMENT = "law_enforcement"
    JUVENILE_JUSTICE = "juvenile_justice"
    MENTAL_HEALTH = "mental_health"
    CHILD_WELFARE = "child_welfare"
    OTHER = "other"

    @property
    def label(self) -> str:
        return SECTOR_LABELS[self]


SECTOR_LABELS = {
    Sector.SCHOOL: "Schools",
    Sector.LAW_ENFORCEMENT: "Law enforcement",
    Sector.JUVENILE_JUSTICE: "Juvenile justice",
    Sector.MENTAL_HEALTH: "Mental health",
    Sector.CHILD_WELFARE: "Child welfare",
    Sector.OTHER: "Other",
}

# The five core systems the Partner stage asks every partnership to bring to the table.
CORE_SECTORS = (
    Sector.SCHOOL,
    Sector.LAW_ENFORCEMENT,
    Sector.JUVENILE_JUSTICE,
    Sector.MENTAL_HEALTH,
    Sector.CHILD_WELFARE,
)


class Stage(enum.Enum):
    PARTNER = "partner"
    PLAN = "plan"
    ACT = "act"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def position(self) -> int:
        return list(Stage).index(self)


class Role(enum.Enum):
    FACILITATOR = "facilitator"
    MEMBER = "member"
    OBSERVER = "observer"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Organization(Timestamped, Base):
    """An agency. Its name is private to the partnership that typed it in (a name alone can say
    who works with whom) until a site admin puts it in the shared directory, from which every
    partnership may seat it; so one organization can sit in several partnerships."""

    __tablename__ = "organizations"
    __table_args__ = (
        sa.CheckConstraint(
            "sector != 'other' OR sector_label IS NOT NULL", name="other_sector_has_label"
        ),
        # Names are unique, case-insensitively, within a partnership's own organizations and
        # within the shared directory.
        sa.UniqueConstraint("owner_partnership_id", "name_key"),
        sa.Index(
            "uq_organizations_shared_name_key",
            "name_key",
            unique=True,
            sqlite_where=sa.text("shared"),
            postgresql_where=sa.text("shared"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # The lower-cased name.
    name_key: Mapped[str] = mapped_column(sa.String(200))
    sector: Mapped[Sector] = mapped_column(enum_type(Sector, "sector"))
    sector_label: Mapped[str | None] = mapped_column(sa.String(100))
    # The partnership that typed it in; None only for organizations older than this rule
    # that no partnership used (a site admin may share them).
    owner_partnership_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partnerships.id", ondelete="SET NULL"), index=True
    )
    shared: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    @property
    def sector_display(self) -> str:
        return sector_display(self.sector, self.sector_label)


def sector_display(sector: Sector, label: str | None) -> str:
    """A sector as shown: its name, or the organization's own word for "other"."""
    return label if sector is Sector.OTHER else sector.label


class Partnership(Timestamped, Base):
    """A standing group of agencies in one community that agree how to share information."""

    __tablename__ = "partnerships"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    name_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    community: Mapped[str] = mapped_column(sa.String(200))
    purpose: Mapped[str] = mapped_column(sa.Text, default="")
    timezone: Mapped[str] = mapped_column(sa.String(64))
    stage: Mapped[Stage] = mapped_column(enum_type(Stage, "stage"), default=Stage.PARTNER)
    # An agency missing this many meetings in a row is flagged (its liaison is told).
    absence_flag_after: Mapped[int] = mapped_column(default=3, server_default="3")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    agencies: Mapped[list[PartnerAgency]] = relationship(
        back_populates="partnership", lazy="raise", cascade="all, delete-orphan"
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="partnership", lazy="raise", cascade="all, delete-orphan"
    )
    # Read on first use; the pages showing the checklist load it with the partnership.
    checklist_ticks: Mapped[list[ChecklistTick]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class PartnerAgency(Base):
    """An organization at a partnership's table, with its information-sharing liaison."""

    __tablename__ = "partner_agencies"
    __table_args__ = (sa.UniqueConstraint("partnership_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    joined_on: Mapped[date]
    left_on: Mapped[date | None]
    liaison_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL", use_alter=True)
    )
    alternate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL", use_alter=True)
    )

    partnership: Mapped[Partnership] = relationship(back_populates="agencies", lazy="raise")
    organization: Mapped[Organization] = relationship(lazy="joined")
    liaison: Mapped[Membership | None] = relationship(foreign_keys=[liaison_id], lazy="raise")
    alternate: Mapped[Membership | None] = relationship(foreign_keys=[alternate_id], lazy="raise")

    @property
    def is_active(self) -> bool:
        return self.left_on is None


class Membership(Base):
    """A person on a partnership's roster: their role, the agency they represent, their title."""

    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("partnership_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    partner_agency_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partner_agencies.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[str] = mapped_column(sa.String(120), default="")
    is_legal_advisor: Mapped[bool] = mapped_column(default=False)
    is_signatory: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]

    partnership: Mapped[Partnership] = relationship(back_populates="memberships", lazy="raise")
    user: Mapped[User] = relationship(lazy="joined")
    partner_agency: Mapped[PartnerAgency | None] = relationship(
        foreign_keys=[partner_agency_id], lazy="raise"
    )

    @property
    def is_active(self) -> bool:
        return self.left_at is None


class Invitation(Base):
    """An emailed, single-use, expiring link that puts a person on a partnership's roster."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    partner_agency_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partner_agencies.id", ondelete="SET NULL")
    )
    position: Mapped[str] = mapped_column(sa.String(120), default="")
    is_legal_advisor: Mapped[bool] = mapped_column(default=False)
    is_signatory: Mapped[bool] = mapped_column(default=False)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    partnership: Mapped[Partnership] = relationship(lazy="joined")
    partner_agency: Mapped[PartnerAgency | None] = relationship(lazy="raise")


class SectorAbsence(Base):
    """Why a core sector has no representative (the Partner stage accepts a recorded reason)."""

    __tablename__ = "sector_absences"
    __table_args__ = (sa.UniqueConstraint("partnership_id", "sector"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partnerships.id", ondelete="CASCADE")
    )
    sector: Mapped[Sector] = mapped_column(enum_type(Sector, "sector"))
    reason: Mapped[str] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChecklistTick(Base):
    """A hand-ticked stage checklist item, with who ticked it and when."""

    __tablename__ = "checklist_ticks"
    __table_args__ = (sa.UniqueConstraint("partnership_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partnerships.id", ondelete="CASCADE")
    )
    item_key: Mapped[str] = mapped_column(sa.String(64))
    ticked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    ticked_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(sa.Text, default="")

    ticked_by: Mapped[User | None] = relationship(lazy="joined")


class StageTransition(Base):
    """One move between stages, forward or back, with an override reason when items were unmet."""

    __tablename__ = "stage_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    from_stage: Mapped[Stage] = mapped_column(enum_type(Stage, "from_stage"))
    to_stage: Mapped[Stage] = mapped_column(enum_type(Stage, "to_stage"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    unmet_items: Mapped[list] = mapped_column(sa.JSON, default=list)

    actor: Mapped[User | None] = relationship(lazy="joined")
