"""Recording audit events, in the same transaction as the change they describe."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

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


# Events of one kind by one person this close together read as one line.
ALIKE_WITHIN = timedelta(hours=1)


@dataclass
class ActivityLine:
    """One line of recent activity: an event and those like it just before it."""

    events: list[AuditEvent] = field(default_factory=list)

    @property
    def latest(self) -> AuditEvent:
        return self.events[0]

    @property
    def more(self) -> list[AuditEvent]:
        return self.events[1:]


def alike(newer: AuditEvent, older: AuditEvent) -> bool:
    """The same person doing the same kind of thing to the same kind of object, shortly after."""
    return (newer.actor_id, newer.action, newer.object_type) == (
        older.actor_id,
        older.action,
        older.object_type,
    ) and newer.at - older.at <= ALIKE_WITHIN


def activity_lines(events: list[AuditEvent]) -> list[ActivityLine]:
    """Events, newest first, with runs of alike events folded into one line."""
    lines: list[ActivityLine] = []
    for event in events:
        if lines and alike(lines[-1].events[-1], event):
            lines[-1].events.append(event)
        else:
            lines.append(ActivityLine([event]))
    return lines


def recent_activity(session: Session, partnership_id: int, lines: int = 8) -> list[ActivityLine]:
    """The partnership's latest `lines` lines of activity, in one query (a few events more
    than lines, so folded runs still fill the list)."""
    events = partnership_events(session, partnership_id, limit=lines * 6)
    return activity_lines(events)[:lines]
