"""Recording audit events, in the same transaction as the change they describe."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from partnerhub.audit.models import AuditEvent
from partnerhub.auth.models import User
from partnerhub.db import read_rows


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


# Who did what no person did (the reminder sweep, a worker), or a person since removed.
NO_ACTOR = "PartnerHub"


class Event(NamedTuple):
    """An audit event as a line of activity shows it."""

    id: int
    at: datetime
    actor_id: int | None
    actor: str  # the name shown
    action: str
    object_type: str
    summary: str


def partnership_events(
    session: Session, partnership_id: int, limit: int = 200, offset: int = 0
) -> list[Event]:
    """One partnership's audit events, newest first: `limit` of them after the first `offset`
    (named tuples: a field of a result row read by name costs ten times more)."""
    parameters = {"partnership_id": partnership_id, "limit": limit, "offset": offset}
    return list(map(Event._make, read_rows(session, _PARTNERSHIP_EVENTS, parameters)))


# Built once: building the statement and its key in SQLAlchemy's cache at each read took two
# fifths of the read's time. A line of activity is a plain row: building each event and its
# actor as objects, the event's details decoded, was a third of the activity page's time.
_PARTNERSHIP_EVENTS = (
    select(
        AuditEvent.id,
        AuditEvent.at,
        AuditEvent.actor_id,
        func.coalesce(User.name, NO_ACTOR).label("actor"),
        AuditEvent.action,
        AuditEvent.object_type,
        AuditEvent.summary,
    )
    .outerjoin(User, User.id == AuditEvent.actor_id)
    .where(AuditEvent.partnership_id == bindparam("partnership_id"))
    .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)


# Events of one kind by one person this close together read as one line.
ALIKE_WITHIN = timedelta(hours=1)


@dataclass
class ActivityLine:
    """One line of recent activity: an event and those like it just before it."""

    events: list[Event] = field(default_factory=list)

    @property
    def latest(self) -> Event:
        return self.events[0]

    @property
    def more(self) -> list[Event]:
        return self.events[1:]


def alike(newer: Event, older: Event) -> bool:
    """The same person doing the same kind of thing to the same kind of object, shortly after."""
    return (newer.actor_id, newer.action, newer.object_type) == (
        older.actor_id,
        older.action,
        older.object_type,
    ) and newer.at - older.at <= ALIKE_WITHIN


def activity_lines(events: list[Event]) -> list[ActivityLine]:
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
