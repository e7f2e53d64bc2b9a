"""Minutes: drafted per agenda item, finalized, reopened with a reason; every change kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerhub.audit.models import AuditEvent
from partnerhub.audit.services import record
from partnerhub.auth.models import User
from partnerhub.errors import DomainError, InvalidTransition
from partnerhub.identifiers import screen
from partnerhub.meetings import reminders
from partnerhub.meetings.models import (
    AgendaItem,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesRevision,
    MinutesStatus,
)


@dataclass
class ItemMinutes:
    notes: str
    decision: str
    is_finished: bool


def minutes_of(meeting: Meeting) -> Minutes:
    """The meeting's minutes, started as a draft when there are none yet."""
    if meeting.minutes is None:
        meeting.minutes = Minutes(status=MinutesStatus.DRAFT)
    return meeting.minutes


def save_minutes(
    session: Session,
    actor: User,
    meeting: Meeting,
    summary: str,
    items: dict[int, ItemMinutes],
    now: datetime,
    *,
    keep_reason: str | None = None,
) -> Minutes:
    """Write the draft minutes: a summary and each agenda item's notes and decision (refused
    if they may identify a youth, unless `keep_reason` says why they must stay)."""
    minutes = minutes_of(meeting)
    if minutes.is_final:
        raise InvalidTransition("The minutes are final; reopen them to change them.")
    texts = [summary, *(text for entry in items.values() for text in (entry.notes, entry.decision))]
    _screen(session, actor, meeting, texts, keep_reason, now)
    minutes.summary = summary
    for item in meeting.agenda_items:
        if item.id in items:
            entry = items[item.id]
            item.notes, item.decision, item.is_finished = (
                entry.notes,
                entry.decision,
                entry.is_finished,
            )
    session.flush()
    record(
        session,
        actor,
        "minutes.saved",
        minutes,
        f"Saved draft minutes of {meeting.title}",
        now,
        partnership_id=meeting.partnership_id,
    )
    return minutes


def _screen(session, actor, meeting, texts, keep_reason, now) -> None:
    screen(
        session,
        meeting.partnership_id,
        texts,
        keep_reason=keep_reason,
        actor=actor,
        now=now,
        what=f"the minutes of {meeting.title}",
    )


class NotesChanged(DomainError):
    """The notes were saved by someone else since this version was read."""

    def __init__(self, item: AgendaItem, by: str):
        self.item = item
        super().__init__(
            f"{by} saved the notes of “{item.title}” while you were writing. Nothing is "
            "lost: their text is shown beside yours; combine them and save again."
        )


def save_item_notes(
    session: Session,
    actor: User,
    item: AgendaItem,
    notes: str,
    read_version: int,
    now: datetime,
    *,
    keep_reason: str | None = None,
) -> AgendaItem:
    """Write one agenda item's notes into the draft minutes, taken during the meeting.

    `read_version` is the version of the notes the writer started from: when someone saved
    since, the save is refused (NotesChanged) rather than erase what they wrote."""
    meeting = item.meeting
    if item.is_proposed:
        raise InvalidTransition("Accept the proposed item before taking notes on it.")
    minutes = minutes_of(meeting)
    if minutes.is_final:
        raise InvalidTransition("The minutes are final; reopen them to change them.")
    if notes == item.notes:  # already as written, whoever wrote it
        return item
    if read_version != item.notes_version:
        raise NotesChanged(item, _last_writer(session, item))
    _screen(session, actor, meeting, [notes], keep_reason, now)
    item.notes = notes
    item.notes_version += 1
    session.flush()
    record(
        session,
        actor,
        "minutes.noted",
        item,
        f"Wrote the notes of “{item.title}” in the minutes of {meeting.title}",
        now,
        partnership_id=meeting.partnership_id,
    )
    return item


def _last_writer(session: Session, item: AgendaItem) -> str:
    """Who last saved the item's notes, from the activity log (else "Someone")."""
    return (
        session.scalar(
            select(User.name)
            .join(AuditEvent, AuditEvent.actor_id == User.id)
            .where(
                AuditEvent.action == "minutes.noted",
                AuditEvent.object_type == "AgendaItem",
                AuditEvent.object_id == item.id,
            )
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        or "Someone"
    )


def finalize_minutes(
    session: Session, actor: User, meeting: Meeting, now: datetime, *, email_members=True
) -> Minutes:
    """Lock the minutes; the meeting counts as held; the members are emailed them (once)."""
    minutes = minutes_of(meeting)
    if minutes.is_final:
        raise InvalidTransition("The minutes are already final.")
    if meeting.is_cancelled:
        raise InvalidTransition("A cancelled meeting has no minutes.")
    if meeting.starts_at > now:
        raise InvalidTransition(
            "The meeting has not started yet: finalize its minutes once it has been held."
        )
    minutes.status = MinutesStatus.FINAL
    minutes.finalized_by_id = actor.id
    minutes.finalized_at = now
    meeting.status = MeetingStatus.HELD
    session.flush()
    sent = reminders.send_final_minutes(session, meeting, minutes, now) if email_members else 0
    record(
        session,
        actor,
        "minutes.finalized",
        minutes,
        f"Finalized the minutes of {meeting.title} (version {minutes.version})",
        now,
        partnership_id=meeting.partnership_id,
        details={"emailed": sent},
    )
    return minutes


def reopen_minutes(
    session: Session, actor: User, meeting: Meeting, reason: str, now: datetime
) -> Minutes:
    """Unlock final minutes for a correction, keeping the final version as a revision."""
    minutes = meeting.minutes
    if minutes is None or not minutes.is_final:
        raise InvalidTransition("Only final minutes can be reopened.")
    if not reason.strip():
        raise DomainError("Say what needs correcting.")
    minutes.revisions.append(
        MinutesRevision(
            version=minutes.version,
            content={
                "summary": minutes.summary,
                "items": [
                    {"title": i.title, "notes": i.notes, "decision": i.decision}
                    for i in meeting.agenda_items
                ],
            },
            finalized_by_id=minutes.finalized_by_id,
            finalized_at=minutes.finalized_at,
            reopened_by_id=actor.id,
            reopened_at=now,
            reopen_reason=reason.strip(),
        )
    )
    minutes.version += 1
    minutes.status = MinutesStatus.DRAFT
    minutes.finalized_by_id = None
    minutes.finalized_at = None
    record(
        session,
        actor,
        "minutes.reopened",
        minutes,
        f"Reopened the minutes of {meeting.title}: {reason.strip()}",
        now,
        partnership_id=meeting.partnership_id,
    )
    return minutes
