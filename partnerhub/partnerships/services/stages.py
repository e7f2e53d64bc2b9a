"""Stages: the Partner, Plan and Act checklists, ticks by hand, and moves between stages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from partnerhub.audit.services import record
from partnerhub.auth.models import User
from partnerhub.errors import DomainError, InvalidTransition, NotFound
from partnerhub.partnerships.models import (
    ChecklistTick,
    Partnership,
    Stage,
    StageTransition,
)
from partnerhub.partnerships.registry import Check, CheckResult, registry
from partnerhub.partnerships.services.partnerships import local_today

# For `load_partnership(..., loading=WITH_TICKS)`: the hand ticks (and who ticked) come in
# the partnership's own statement, so a checklist costs no statement of its own.
WITH_TICKS = (joinedload(Partnership.checklist_ticks),)


@dataclass
class ChecklistItem:
    check: Check
    done: bool
    detail: str = ""
    tick: ChecklistTick | None = None

    @property
    def manual(self) -> bool:
        return self.check.compute is None


def checklist(
    session: Session, partnership: Partnership, today: date, stage: Stage | None = None
) -> list[ChecklistItem]:
    """The stage's checklist items, computed ones evaluated now, manual ones with their tick."""
    stage = stage or partnership.stage
    ticks = {t.item_key: t for t in partnership.checklist_ticks}
    items = []
    for check in registry.checks:
        if check.stage is not stage:
            continue
        if check.compute is None:
            tick = ticks.get(check.key)
            items.append(ChecklistItem(check, tick is not None, tick=tick))
        else:
            result: CheckResult = check.compute(session, partnership, today)
            items.append(ChecklistItem(check, result.done, result.detail))
    return items


def _manual_check(key: str) -> Check:
    check = next((c for c in registry.checks if c.key == key and c.compute is None), None)
    if check is None:
        raise NotFound("No such checklist item.")
    return check


def _tick_of(partnership: Partnership, key: str) -> ChecklistTick | None:
    return next((t for t in partnership.checklist_ticks if t.item_key == key), None)


def tick(
    session: Session, actor: User, partnership: Partnership, key: str, note: str, now: datetime
) -> None:
    """Tick a hand-checked item, recording who and when."""
    check = _manual_check(key)
    if _tick_of(partnership, key) is not None:
        return
    partnership.checklist_ticks.append(
        ChecklistTick(
            item_key=key,
            ticked_by_id=actor.id,
            ticked_at=now,
            note=note.strip(),
        )
    )
    record(
        session,
        actor,
        "checklist.ticked",
        partnership,
        f"Ticked “{check.label}”",
        now,
        partnership_id=partnership.id,
        details={"item": key},
    )


def untick(session: Session, actor: User, partnership: Partnership, key: str, now: datetime):
    """Take a tick back."""
    check = _manual_check(key)
    existing = _tick_of(partnership, key)
    if existing is None:
        return
    partnership.checklist_ticks.remove(existing)
    record(
        session,
        actor,
        "checklist.unticked",
        partnership,
        f"Unticked “{check.label}”",
        now,
        partnership_id=partnership.id,
        details={"item": key},
    )


def advance(
    session: Session, actor: User, partnership: Partnership, reason: str, now: datetime
) -> StageTransition:
    """Move to the next stage when its required items hold, or override with a reason."""
    stages = list(Stage)
    if partnership.stage is Stage.ACT:
        raise InvalidTransition("The partnership is already in its last stage, Act.")
    unmet = [
        item.check.label
        for item in checklist(session, partnership, local_today(partnership, now))
        if item.check.required and not item.done
    ]
    reason = reason.strip()
    if unmet and not reason:
        raise InvalidTransition(
            "Some required items are not done yet: "
            + "; ".join(unmet)
            + ". Finish them, or give a reason to advance anyway."
        )
    return _move(
        session, actor, partnership, stages[partnership.stage.position + 1], reason, unmet, now
    )


def go_back(
    session: Session, actor: User, partnership: Partnership, reason: str, now: datetime
) -> StageTransition:
    """Return to the previous stage (e.g. a new agency joins and must go through Partner)."""
    if partnership.stage is Stage.PARTNER:
        raise InvalidTransition("The partnership is in its first stage, Partner.")
    if not reason.strip():
        raise DomainError("Say why the partnership goes back a stage.")
    previous = list(Stage)[partnership.stage.position - 1]
    return _move(session, actor, partnership, previous, reason.strip(), [], now)


def _move(session, actor, partnership, to_stage, reason, unmet, now) -> StageTransition:
    transition = StageTransition(
        partnership_id=partnership.id,
        from_stage=partnership.stage,
        to_stage=to_stage,
        actor_id=actor.id,
        at=now,
        reason=reason,
        unmet_items=unmet,
    )
    session.add(transition)
    summary = f"Moved from {partnership.stage.label} to {to_stage.label}"
    if unmet:
        summary += f", overriding {len(unmet)} open item(s): {reason}"
    elif reason:
        summary += f": {reason}"
    partnership.stage = to_stage
    record(
        session,
        actor,
        "stage.changed",
        partnership,
        summary,
        now,
        partnership_id=partnership.id,
        details={"unmet": unmet},
    )
    return transition


def transitions(session: Session, partnership: Partnership) -> list[StageTransition]:
    """The partnership's moves between stages, newest first."""
    return list(
        session.scalars(
            select(StageTransition)
            .where(StageTransition.partnership_id == partnership.id)
            .order_by(StageTransition.at.desc(), StageTransition.id.desc())
        )
    )
