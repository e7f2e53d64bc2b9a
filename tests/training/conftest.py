"""Fixtures of the training tests: trainings made in one call, and a sweep as the worker runs it."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from partnerhub.notifications import sweep
from partnerhub.procedures.models import Framework
from partnerhub.training.models import TrainingAttendance, TrainingFormat, TrainingSession


@pytest.fixture
def train(db):
    """`train(partnership, held_on, [memberships], [frameworks])`: a training attended."""

    def make_training(partnership, held_on: date, attendees, frameworks=(Framework.FERPA,)):
        training = TrainingSession(
            partnership_id=partnership.id,
            title=f"{', '.join(f.label for f in frameworks)} training",
            frameworks=[f.value for f in frameworks],
            held_on=held_on,
            format=TrainingFormat.IN_PERSON,
            materials=[],
        )
        db.add(training)
        db.flush()
        db.add_all(
            TrainingAttendance(
                training_id=training.id,
                membership_id=m.id,
                partner_agency_id=m.partner_agency_id,
            )
            for m in attendees
        )
        db.commit()
        return training

    return make_training


@pytest.fixture
def run_sweep(app):
    """Sweep at `now` in a session of its own, committed, like the worker does."""

    def run(now: datetime):
        database = app.extensions["partnerhub.database"]
        with app.app_context(), database.transaction() as session:
            return sweep(session, now)

    return run
