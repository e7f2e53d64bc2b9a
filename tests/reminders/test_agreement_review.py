"""An agreement's annual review, apart from its renewal: flagged and emailed once at each
threshold (30 days before, and on the review date), however often the sweep runs."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from partnerhub.agreements import services
from partnerhub.notifications.models import Flag, FlagKind
from tests.reminders.conftest import outbox, signed_agreement
from tests.reminders.test_flags_sweep import at_local, days

EFFECTIVE, EXPIRES = date(2026, 7, 1), date(2028, 7, 1)
REVIEW = date(2027, 7, 1)


def review_flags(db) -> list[Flag]:
    db.expire_all()
    return list(db.scalars(select(Flag).where(Flag.kind == FlagKind.AGREEMENT_REVIEW)))


def test_annual_review_is_flagged_and_emailed_once_per_threshold(db, roster, run_sweep):
    roster.member.is_signatory = True
    db.commit()
    agreement = signed_agreement(
        db, roster.partnership, [roster.school], EFFECTIVE, EXPIRES, review_on=REVIEW
    )

    emailed_on = defaultdict(list)
    for day in days(date(2027, 5, 30), date(2027, 7, 3)):
        for hour in (0, 13):
            run_sweep(at_local(day, hour))
            run_sweep(at_local(day, hour))  # a second sweep at once changes nothing
            seen = {m for ms in emailed_on.values() for m in ms}
            for message in outbox(db, kind="agreement_renewal"):
                if message.id not in seen:
                    emailed_on[(day, message.idempotency_key.split(":")[3])].append(message.id)

    assert {threshold: day for day, threshold in emailed_on} == {
        "review_30_days": date(2027, 6, 1),
        "review_due": date(2027, 7, 1),
    }
    messages = outbox(db)
    assert len(messages) == 4  # facilitator and signatory, twice
    assert all(m.idempotency_key.startswith("agreement-review:") for m in messages)
    assert "due for its annual review" in messages[-1].subject
    flag = review_flags(db)[0]
    assert (flag.subject, flag.due_on, flag.threshold) == (
        f"agreement:{agreement.id}",
        REVIEW,
        "review_due",
    )
    assert len(review_flags(db)) == 1


def test_recording_the_review_resolves_its_flag(app, db, roster, run_sweep):
    agreement = signed_agreement(
        db, roster.partnership, [roster.school], EFFECTIVE, EXPIRES, review_on=REVIEW
    )
    run_sweep(at_local(date(2027, 6, 10)))
    assert review_flags(db)[0].is_open

    loaded = services.get_agreement(db, roster.partnership.id, agreement.id)
    services.record_review(
        db,
        roster.facilitator.user,
        loaded,
        date(2027, 6, 9),
        date(2027, 6, 10),
        at_local(date(2027, 6, 10)),
    )
    db.commit()
    assert loaded.review_on == date(2028, 6, 9)
    run_sweep(at_local(date(2027, 6, 10), 13))
    assert review_flags(db)[0].resolved_at is not None


def test_a_review_falling_at_the_end_of_the_term_is_left_to_the_renewal(db, roster, run_sweep):
    signed_agreement(db, roster.partnership, [roster.school], EFFECTIVE, REVIEW, review_on=REVIEW)
    run_sweep(at_local(date(2027, 6, 15)))
    assert review_flags(db) == []
