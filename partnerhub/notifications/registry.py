"""What the domains plug into notifications: steps of the sweep, writers of queued emails, and
what the daily digest lists ahead.

Each domain registers these in its own `reminders` module, which the app factory imports
(`REMINDER_MODULES`), so notifications never imports a domain. Delivering a message of a kind
with no writer, or sweeping with no steps, is an error, never a silent no-op.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module
from typing import TYPE_CHECKING

from sqlalchemy import Integer, cast, null
from sqlalchemy.orm import Session

from partnerhub.notifications.models import OutboxMessage, OutboxStatus, ReminderKind

if TYPE_CHECKING:
    from sqlalchemy import Select

    from partnerhub.notifications.outbox import Content
    from partnerhub.notifications.sweep import Partnerships, SweepReport

REMINDER_MODULES = (
    "partnerhub.meetings.reminders",
    "partnerhub.procedures.reminders",
    "partnerhub.agreements.reminders",
    "partnerhub.training.reminders",
    "partnerhub.questions.reminders",
    "partnerhub.notifications.digest",
)

# (session, now, the partnerships' names and local dates, the report to add to)
Step = Callable[[Session, datetime, "Partnerships", "SweepReport"], None]
# Writes the messages of one kind queued without their content, just before they are sent;
# gives each message's content, or the status it takes instead (no longer to be sent).
Writer = Callable[[Session, list[OutboxMessage], datetime], "dict[int, Content | OutboxStatus]"]
# (session, partnership ids, now) -> {partnership id: [{"title", "when", "link"}]}
Upcoming = Callable[[Session, set[int], datetime], dict[int, list[dict]]]
# () -> a SELECT of (id, owning membership id, owning agency id) of the flagged things of one
# kind: who or which agency owns each (partnerships.owners turns that into people). A page
# picks the things it shows by the first column; the kinds' selects run as one statement.
FlagSubject = Callable[[], "Select"]


@dataclass
class Registry:
    steps: list[tuple[int, Step]] = field(default_factory=list)
    writers: dict[str, Writer] = field(default_factory=dict)
    upcoming: list[Upcoming] = field(default_factory=list)
    flag_subjects: dict[str, FlagSubject] = field(default_factory=dict)


registry = Registry()


def load() -> None:
    """Import every domain's reminders (the app factory calls this once)."""
    for module in REMINDER_MODULES:
        import_module(module)


def sweep_step(order: int) -> Callable[[Step], Step]:
    """Run the decorated function in every sweep, in `order` (lowest first)."""

    def register(step: Step) -> Step:
        if step not in (s for _o, s in registry.steps):
            registry.steps.append((order, step))
            registry.steps.sort(key=lambda entry: entry[0])
        return step

    return register


def writer(kind: ReminderKind | str) -> Callable[[Writer], Writer]:
    """Write the queued messages of `kind` with the decorated function."""

    def register(write: Writer) -> Writer:
        registry.writers[getattr(kind, "value", kind)] = write
        return write

    return register


def writer_for(kind: str) -> Writer:
    try:
        return registry.writers[kind]
    except KeyError:
        raise LookupError(f"no writer is registered for {kind!r} messages") from None


def upcoming(source: Upcoming) -> Upcoming:
    """List what the decorated function returns in the daily digest."""
    if source not in registry.upcoming:
        registry.upcoming.append(source)
    return source


def no_id():
    """An owner column a kind of flagged thing leaves empty (owned by an agency, not a
    person, or the other way round), typed so that every kind's SELECT unites."""
    return cast(null(), Integer)


def flag_subject(prefix: str) -> Callable[[FlagSubject], FlagSubject]:
    """Say with the decorated function who owns the things flagged as "<prefix>:<id>"; a
    subject with none is the facilitators'."""

    def register(owned_by: FlagSubject) -> FlagSubject:
        registry.flag_subjects[prefix] = owned_by
        return owned_by

    return register
