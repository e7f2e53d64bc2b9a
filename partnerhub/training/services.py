"""Recording trainings and who attended, and the partnership's training settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerhub.audit.services import record
from partnerhub.auth.models import User
from partnerhub.errors import DomainError, NotFound
from partnerhub.partnerships.models import Membership, Partnership, Sector
from partnerhub.partnerships.services import local_today
from partnerhub.procedures.models import Framework
from partnerhub.training.models import (
    TrainingAttendance,
    TrainingFormat,
    TrainingPolicy,
    TrainingSession,
)

MAX_MATERIALS = 10


@dataclass
class TrainingData:
    title: str
    frameworks: list[Framework]
    held_on: date
    format: TrainingFormat
    trainer: str = ""
    materials: list[str] = field(default_factory=list)
    attendee_ids: list[int] = field(default_factory=list)  # membership ids


@dataclass
class PolicyData:
    current_months: int
    requirements: dict[Sector, list[Framework]]


def training_of(session: Session, partnership_id: int, training_id: int) -> TrainingSession:
    """A training of this partnership, else NotFound."""
    training = session.get(TrainingSession, training_id)
    if training is None or training.partnership_id != partnership_id:
        raise NotFound("There is no such training in this partnership.")
    return training


def record_training(
    session: Session, actor: User, partnership: Partnership, data: TrainingData, now: datetime
) -> TrainingSession:
    training = TrainingSession(partnership_id=partnership.id, recorded_by_id=actor.id)
    _fill(session, training, partnership, data, now)
    session.add(training)
    session.flush()
    _attend(session, training, data.attendee_ids, partnership.id)
    _record(session, actor, "training.recorded", training, "Recorded", now)
    return training


def edit_training(
    session: Session,
    actor: User,
    partnership: Partnership,
    training: TrainingSession,
    data: TrainingData,
    now: datetime,
) -> TrainingSession:
    _fill(session, training, partnership, data, now)
    _attend(session, training, data.attendee_ids, partnership.id)
    _record(session, actor, "training.edited", training, "Changed", now)
    return training


def remove_training(
    session: Session, actor: User, training: TrainingSession, now: datetime
) -> None:
    _record(session, actor, "training.removed", training, "Removed", now)
    session.delete(training)


def save_policy(
    session: Session, actor: User, partnership: Partnership, data: PolicyData, now: datetime
) -> TrainingPolicy:
    """Set how long a training stays current and which frameworks each kind of agency needs."""
    if not 1 <= data.current_months <= 60:
        raise DomainError("A training stays current for 1 to 60 months.")
    policy = session.scalar(
        select(TrainingPolicy).where(TrainingPolicy.partnership_id == partnership.id)
    ) or TrainingPolicy(partnership_id=partnership.id)
    policy.current_months = data.current_months
    policy.requirements = {
        sector.value: [f.value for f in Framework if f in data.requirements.get(sector, [])]
        for sector in Sector
    }
    session.add(policy)
    session.flush()
    record(
        session,
        actor,
        "training.policy_saved",
        policy,
        f"Set training to stay current for {data.current_months} months, and who needs what",
        now,
        partnership_id=partnership.id,
    )
    return policy


def _fill(session, training, partnership, data: TrainingData, now: datetime) -> None:
    if not data.title.strip():
        raise DomainError("Give the training a title.")
    if not data.frameworks:
        raise DomainError("Choose what the training covered.")
    if data.held_on > local_today(partnership, now):
        raise DomainError("Record a training once it has been held: the date is still ahead.")
    if len(data.materials) > MAX_MATERIALS:
        raise DomainError(f"List at most {MAX_MATERIALS} links to materials.")
    training.title = data.title.strip()
    training.frameworks = [f.value for f in Framework if f in data.frameworks]
    training.held_on = data.held_on
    training.trainer = data.trainer.strip()
    training.format = data.format
    training.materials = [link.strip() for link in data.materials if link.strip()]


def _attend(session, training: TrainingSession, attendee_ids: list[int], partnership_id: int):
    """Make the attendance list the given roster members, each with their agency today."""
    wanted = set(attendee_ids)
    members = {
        m.id: m
        for m in session.scalars(
            select(Membership).where(
                Membership.id.in_(wanted),
                Membership.partnership_id == partnership_id,
                Membership.left_at.is_(None),
            )
        )
    }
    if wanted - members.keys():
        raise DomainError("Choose attendees from the partnership's roster.")
    existing = {
        a.membership_id: a
        for a in session.scalars(
            select(TrainingAttendance).where(TrainingAttendance.training_id == training.id)
        )
    }
    for membership_id, attendance in existing.items():
        if membership_id not in wanted:
            session.delete(attendance)
    for membership_id in wanted - existing.keys():
        session.add(
            TrainingAttendance(
                training_id=training.id,
                membership_id=membership_id,
                partner_agency_id=members[membership_id].partner_agency_id,
            )
        )
    session.flush()


def _record(session, actor, action: str, training: TrainingSession, verb: str, now) -> None:
    record(
        session,
        actor,
        action,
        training,
        f"{verb} the training “{training.title}” of {training.held_on:%d %b %Y}",
        now,
        partnership_id=training.partnership_id,
    )
