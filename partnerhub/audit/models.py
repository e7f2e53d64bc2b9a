"""The audit trail: who did what to which object, and when."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnerhub.auth.models import User
from partnerhub.db import Base, utcnow


class AuditEvent(Base):
    """One recorded change. Rows are only ever added."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_partnership_at", "partnership_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    partnership_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partnerships.id", ondelete="CASCADE")
    )
    action: Mapped[str] = mapped_column(sa.String(64))
    object_type: Mapped[str] = mapped_column(sa.String(64))
    object_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(sa.Text)
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[User | None] = relationship(lazy="joined")
