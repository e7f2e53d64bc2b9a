"""Twenty-four months of sweeps across daylight-saving changes in two time zones: exactly one
reminder per meeting, offset and member, queued when its window opens, at the right local time."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from partnerhub.meetings.models import Meeting, MeetingReminder, MeetingStatus
from partnerhub.meetings.services import extend_horizons
from partnerhub.notifications.models import OutboxMessage
from tests.reminders.conftest import outbox, series

START = datetime(2027, 1, 4, tzinfo=UTC)
END = START + timedelta(days=730)
SWEEP_DELAY = timedelta(minutes=5)


def reminder_moments(db, clock: datetime) -> list[datetime]:
    """When the windows of the scheduled meetings' reminders open, after `clock`."""
    moments = set()
    for meeting in db.scalars(
        select(Meeting).where(
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at > clock,
            Meeting.starts_at <= clock + timedelta(days=15),
        )
    ):
        for offset in meeting.effective_reminder_offsets:
            moment = meeting.starts_at - timedelta(minutes=offset)
            if clock < moment < END:
                moments.add(moment)
    return sorted(moments)


@pytest.mark.slow
def test_two_years_of_weekly_and_monthly_meetings_across_dst(
    app, db, make, roster, run_sweep, deliver_pending
):
    berlin = make.partnership(
        make.user("Bernd Berlin", timezone="Europe/Berlin"),
        name="Berlin-Mitte Jugendpartnerschaft",
        timezone="Europe/Berlin",
    )
    db.commit()
    series(db, roster.partnership, "FREQ=WEEKLY;BYDAY=TU", date(2027, 1, 5), time(15), START)
    series(db, berlin, "FREQ=MONTHLY;BYDAY=+2TU", date(2027, 1, 12), time(9), START)
    database = app.extensions["partnerhub.database"]

    run_sweep(START)  # catches up the first week's meetings, whose windows opened before
    deliver_pending(START)
    clock, extended, steps = START, START, 0
    while True:
        if clock >= extended:  # the worker extends the horizons daily; monthly is plenty here
            with database.transaction() as session:
                extend_horizons(session, clock)
            extended = clock + timedelta(days=30)
        db.expire_all()
        moments = reminder_moments(db, clock)
        if not moments:
            break
        moment = moments[0]
        before = db.scalar(select(func.count()).select_from(OutboxMessage))
        steps += 1
        if steps % 10 == 0:  # (every sweep is checked below by when it queued what)
            assert run_sweep(moment - timedelta(minutes=1)).queued == 0
        assert run_sweep(moment + SWEEP_DELAY).queued > 0
        assert db.scalar(select(func.count()).select_from(OutboxMessage)) > before
        deliver_pending(moment + SWEEP_DELAY)
        clock = moment

    meetings = db.scalars(
        select(Meeting).where(
            Meeting.starts_at > START + timedelta(days=7), Meeting.starts_at < END
        )
    ).all()
    counted = {m.id for m in meetings}
    reminders = {r.id: r for r in db.scalars(select(MeetingReminder))}
    messages = [m for m in outbox(db) if reminders[m.reminder_id].meeting_id in counted]
    denver = [m for m in meetings if m.partnership_id == roster.partnership.id]
    munich = [m for m in meetings if m.partnership_id == berlin.id]
    expected = (len(denver) * 3 + len(munich) * 1) * 2  # members x offsets
    assert len(denver) >= 100 and len(munich) >= 23
    # Exactly one per (meeting, start, offset, member), none for meetings before the sweeps began.
    keys = Counter(m.idempotency_key for m in messages)
    assert len(keys) == expected and set(keys.values()) == {1}
    for message in messages:
        reminder = reminders[message.reminder_id]
        opens = reminder.starts_at - timedelta(minutes=reminder.offset_minutes)
        assert timedelta(0) < message.created_at - opens <= SWEEP_DELAY
    denver_times = Counter(_local_time(m) for m in messages if m.partnership_id != berlin.id)
    berlin_times = Counter(_local_time(m) for m in messages if m.partnership_id == berlin.id)
    assert set(denver_times) == {"15:00 MST", "15:00 MDT"}
    assert set(berlin_times) == {"09:00 CET", "09:00 CEST"}
    mail = Path(app.config["MAIL_URL"].removeprefix("file://"))
    assert len(list(mail.glob("*.eml"))) == len(outbox(db))


def _local_time(message) -> str:
    """'15:00 MDT' from 'Reminder: <title>, Tuesday 16 March 2027, 15:00 MDT (<partnership>)'."""
    return message.subject.split(", ")[-1].split(" (")[0]
