"""Flags raised by the sweep: agreement renewals, procedure reviews, overdue action items."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from partnerhub.agreements.models import Agreement, AgreementKind
from partnerhub.meetings.models import ActionItem, ActionItemStatus
from partnerhub.notifications.models import Flag, FlagKind, NotificationPreference, ReminderKind
from tests.reminders.conftest import T0, outbox, procedure, signed_agreement

DENVER = ZoneInfo("America/Denver")


def at_local(day: date, hour: int = 9) -> datetime:
    """A moment on `day` in Denver, as UTC."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=DENVER).astimezone(UTC)


def days(first: date, last: date):
    while first <= last:
        yield first
        first += timedelta(days=1)


def test_an_agreement_is_flagged_once_and_emailed_once_per_threshold(db, make, roster, run_sweep):
    roster.member.is_signatory = True
    db.commit()
    agreement = signed_agreement(
        db, roster.partnership, [roster.school], date(2026, 7, 1), date(2027, 7, 1)
    )

    emailed_on = defaultdict(list)
    for day in days(date(2027, 3, 30), date(2027, 7, 3)):
        for hour in (0, 13):  # twice a day, the first one just after local midnight
            report = run_sweep(at_local(day, hour))
            for message in outbox(db):
                if message.id not in {m for ms in emailed_on.values() for m in ms}:
                    emailed_on[(day, message.idempotency_key.split(":")[3])].append(message.id)
            assert report.queued in (0, 2)

    thresholds = {threshold: day for day, threshold in emailed_on}
    assert thresholds == {
        "notice": date(2027, 4, 2),  # 90 days before 1 July
        "30_days": date(2027, 6, 1),
        "7_days": date(2027, 6, 24),
        "expiry": date(2027, 7, 1),
    }
    messages = outbox(db)
    assert len(messages) == 8
    assert sorted({m.recipient for m in messages}) == sorted(
        [roster.facilitator.user.email, roster.member.user.email]
    )
    flag = db.scalars(select(Flag)).one()
    assert (flag.kind, flag.subject, flag.raised_on, flag.threshold) == (
        FlagKind.AGREEMENT_RENEWAL,
        f"agreement:{agreement.id}",
        date(2027, 4, 2),
        "expiry",
    )
    assert flag.resolved_at is None
    assert "has expired" in messages[-1].subject


def test_renewing_an_agreement_resolves_its_flag(db, roster, run_sweep):
    agreement = signed_agreement(
        db, roster.partnership, [roster.school], date(2026, 7, 1), date(2027, 7, 1)
    )
    run_sweep(at_local(date(2027, 5, 1)))
    assert db.scalars(select(Flag)).one().is_open
    db.add(
        Agreement(
            partnership_id=roster.partnership.id,
            title="Helena IGA 2027",
            kind=AgreementKind.IGA,
            predecessor_id=agreement.id,
        )
    )
    db.commit()
    report = run_sweep(at_local(date(2027, 5, 2)))
    assert report.flags_resolved == 1
    db.expire_all()
    assert db.scalars(select(Flag)).one().resolved_at is not None


def test_an_acknowledged_agreement_flag_sends_no_more_notices(db, roster, run_sweep):
    signed_agreement(db, roster.partnership, [roster.school], date(2026, 7, 1), date(2027, 7, 1))
    run_sweep(at_local(date(2027, 5, 1)))
    flag = db.scalars(select(Flag)).one()
    flag.acknowledged_at = T0
    flag.acknowledgement_note = "Renewal drafted; signatures in June."
    db.commit()
    run_sweep(at_local(date(2027, 6, 1)))
    assert [m.idempotency_key.split(":")[3] for m in outbox(db)] == ["notice"]


def test_today_is_the_partnership_s_date_not_utc_s(db, roster, run_sweep):
    signed_agreement(db, roster.partnership, [roster.school], date(2026, 7, 1), date(2027, 7, 1))
    # 03:00 UTC on 2 April is still 1 April in Denver: the notice window opens a day later.
    assert run_sweep(datetime(2027, 4, 2, 3, tzinfo=UTC)).flags_raised == 0
    assert run_sweep(datetime(2027, 4, 2, 7, tzinfo=UTC)).flags_raised == 1


def test_procedure_review_flags_the_owner_s_liaison_alternate_and_facilitators(
    db, make, roster, run_sweep
):
    agency = make.agency(roster.partnership, "Lewis and Clark County Sheriff")
    liaison = make.member(roster.partnership, make.user("Lee Liaison"), agency=agency)
    alternate = make.member(roster.partnership, make.user("Alex Alternate"), agency=agency)
    agency.liaison_id, agency.alternate_id = liaison.id, alternate.id
    db.add(
        NotificationPreference(
            user_id=alternate.user_id, kind=ReminderKind.PROCEDURE_REVIEW, enabled=False
        )
    )
    db.commit()
    due = procedure(db, agency, date(2027, 4, 1))

    assert run_sweep(at_local(date(2027, 3, 31))).flags_raised == 0
    report = run_sweep(at_local(date(2027, 4, 1)))
    assert report.flags_raised == 1
    run_sweep(at_local(date(2027, 4, 2)))
    assert sorted(m.recipient for m in outbox(db)) == sorted(
        [roster.facilitator.user.email, liaison.user.email]
    )
    assert all(m.subject.startswith("Review due: Attendance concerns") for m in outbox(db))

    due.next_review_on = date(2028, 4, 1)  # reviewed
    db.commit()
    assert run_sweep(at_local(date(2027, 4, 3))).flags_resolved == 1


def test_overdue_action_item_owner_is_reminded_once_and_facilitators_see_the_flag(
    db, roster, run_sweep
):
    item = ActionItem(
        partnership_id=roster.partnership.id,
        title="Send the draft release form to the county attorney",
        owner_membership_id=roster.member.id,
        due_on=date(2027, 3, 10),
    )
    db.add(item)
    db.commit()

    assert run_sweep(at_local(date(2027, 3, 10))).flags_raised == 0
    for day in days(date(2027, 3, 11), date(2027, 3, 20)):
        run_sweep(at_local(day))
    assert [m.recipient for m in outbox(db)] == [roster.member.user.email]
    flag = db.scalars(select(Flag)).one()
    assert (flag.kind, flag.partnership_id) == (FlagKind.ACTION_ITEM_OVERDUE, roster.partnership.id)

    item.status = ActionItemStatus.DONE
    db.commit()
    assert run_sweep(at_local(date(2027, 3, 21))).flags_resolved == 1
