"""A question about sharing information, from raising to its answer and legal basis."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnerhub.db import Base, Timestamped, enum_type
from partnerhub.partnerships.models import Membership, PartnerAgency

if TYPE_CHECKING:  # the sharing matrix a question concerns, mapped by name
    from partnerhub.procedures.models import InformationFlow

# The text the search reads, as PostgreSQL's GIN index ix_questions_search holds it (the
# migration writes the same expression; a query must use it word for word to use the index).
SEARCH_DOCUMENT = (
    "to_tsvector('english', questions.title || ' ' || questions.details || ' ' "
    "|| questions.answer || ' ' || questions.legal_basis)"
)
# SQLite's FTS5 index over the same columns, kept in step by triggers (migration 0018).
SQLITE_SEARCH_TABLE = "question_search"


class QuestionStatus(enum.Enum):
    OPEN = "open"
    ANSWERED = "answered"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Question(Timestamped, Base):
    """A question a member raised about sharing between two agencies, answered by a legal
    advisor or a facilitator with the law it rests on."""

    __tablename__ = "questions"
    __table_args__ = (
        sa.Index("ix_questions_partnership_status", "partnership_id", "status"),
        sa.CheckConstraint(
            "status <> 'answered' OR (answer <> '' AND legal_basis <> '' "
            "AND answered_at IS NOT NULL)",
            name="answered_with_basis",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partnerships.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(sa.String(300))
    details: Mapped[str] = mapped_column(sa.Text, default="")
    from_agency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partner_agencies.id", ondelete="CASCADE"), index=True
    )
    to_agency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partner_agencies.id", ondelete="CASCADE"), index=True
    )
    # The row of the sharing matrix the question is about, when there is one.
    flow_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("information_flows.id", ondelete="SET NULL"), index=True
    )
    raised_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL")
    )
    raised_at: Mapped[datetime]
    # The legal advisor who owns the answer.
    assigned_to_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL")
    )
    status: Mapped[QuestionStatus] = mapped_column(
        enum_type(QuestionStatus, "question_status"), default=QuestionStatus.OPEN
    )
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    legal_basis: Mapped[str] = mapped_column(sa.String(300), default="")
    answered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL")
    )
    answered_at: Mapped[datetime | None]
    # What the answer changed: a change request on a procedure, a row of the matrix.
    change_request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("procedure_change_requests.id", ondelete="SET NULL"), index=True
    )
    changed_flow_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("information_flows.id", ondelete="SET NULL"), index=True
    )

    from_agency: Mapped[PartnerAgency] = relationship(foreign_keys=[from_agency_id], lazy="raise")
    to_agency: Mapped[PartnerAgency] = relationship(foreign_keys=[to_agency_id], lazy="raise")
    flow: Mapped[InformationFlow | None] = relationship(foreign_keys=[flow_id], lazy="raise")
    raised_by: Mapped[Membership | None] = relationship(foreign_keys=[raised_by_id], lazy="raise")
    assigned_to: Mapped[Membership | None] = relationship(
        foreign_keys=[assigned_to_id], lazy="raise"
    )
    answered_by: Mapped[Membership | None] = relationship(
        foreign_keys=[answered_by_id], lazy="raise"
    )

    @property
    def is_open(self) -> bool:
        return self.status is QuestionStatus.OPEN
