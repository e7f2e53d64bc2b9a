"""Recording audit events, in the same transaction as the change they describe."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerhub.audit.models import AuditEvent
from partnerhub.auth.models import User


def record(
    session: Session,
    actor: User | None,
    action: str,
    obj: object,
    summary: str,
    now: datetime,
    *,
    partnership_id: int | None = None,
    details: dict | None = None,
) -> AuditEvent:
    """Add an audit event for `obj`; flushed with the caller's transaction."""
    session.flush()
    event = AuditEvent(
        at=now,
        actor_id=actor.id if actor else None,
        partnership_id=partnership_id,
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        summary=summary,
        details=details or {},
    )
    session.add(event)
    return event


def partnership_events(
    session: Session, partnership_id: int, limit: int = 200, offset: int = 0
) -> list[AuditEvent]:
    """One partnership's audit events, newest first: `limit` of them after the first `offset`."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.partnership_id == partnership_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query))
