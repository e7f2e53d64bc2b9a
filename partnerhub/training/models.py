"""Training sessions, who attended them, and how a partnership judges its people trained."""

from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnerhub.db import Base, Timestamped, enum_type
from partnerhub.partnerships.models import Membership, PartnerAgency

DEFAULT_CURRENT_MONTHS = 12


class TrainingFormat(enum.Enum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    SELF_PACED = "self_paced"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class TrainingSession(Timestamped, Base):
    """One training given to a partnership's people, on one or more frameworks."""

    __tablename__ = "training_sessions"
    __table_args__ = (
        sa.Index("ix_training_sessions_partnership_held", "partnership_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partnerships.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    frameworks: Mapped[list] = mapped_column(sa.JSON, default=list)  # Framework values
    held_on: Mapped[date]
    trainer: Mapped[str] = mapped_column(sa.String(200), default="")
    format: Mapped[TrainingFormat] = mapped_column(enum_type(TrainingFormat, "training_format"))
    # Links to the slides, handouts or course; one per entry.
    materials: Mapped[list] = mapped_column(sa.JSON, default=list)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    attendances: Mapped[list[TrainingAttendance]] = relationship(
        back_populates="training", lazy="raise", cascade="all, delete-orphan"
    )


class TrainingAttendance(Base):
    """A person on the roster who attended, and the agency they attended for."""

    __tablename__ = "training_attendances"
    __table_args__ = (sa.UniqueConstraint("training_id", "membership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(
        sa.ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True
    )
    membership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    # The agency at the time: a person who later moves agency keeps what they attended for.
    partner_agency_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partner_agencies.id", ondelete="SET NULL")
    )

    training: Mapped[TrainingSession] = relationship(back_populates="attendances", lazy="raise")
    membership: Mapped[Membership] = relationship(lazy="raise")
    partner_agency: Mapped[PartnerAgency | None] = relationship(lazy="raise")


class TrainingPolicy(Base):
    """How long a training stays current, and which frameworks each kind of agency needs
    (by sector value); a partnership without one uses the defaults in `coverage.py`."""

    __tablename__ = "training_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partnerships.id", ondelete="CASCADE"), unique=True
    )
    current_months: Mapped[int] = mapped_column(default=DEFAULT_CURRENT_MONTHS)
    requirements: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # sector -> [framework]

    __table_args__ = (
        sa.CheckConstraint("current_months BETWEEN 1 AND 60", name="current_months_range"),
    )
