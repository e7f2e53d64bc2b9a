"""An agreement's status follows from its data and the partnership's date, at every edge."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from partnerhub.agreements.models import AgreementStatus, RenewalRule
from partnerhub.agreements.services import (
    agreement_status,
    agreements_due,
    is_in_force,
    renewal_thresholds,
    term_end,
)
from partnerhub.partnerships.services import local_today

EFFECTIVE = date(2026, 7, 1)
EXPIRES = date(2027, 7, 1)  # the first day it is no longer in force
NOTICE_START = EXPIRES - timedelta(days=90)  # 2027-04-02


@pytest.fixture
def signed(make, table, reload):
    """A one-year agreement signed by both agencies, with the default 90 days' notice."""
    agreement = make.agreement(
        table.partnership,
        [table.school, table.police],
        effective_on=EFFECTIVE,
        expires_on=EXPIRES,
        signed=True,
    )
    return reload(agreement)


def day_before(day: date) -> date:
    return day - timedelta(days=1)


def test_unsent_agreement_is_a_draft(make, table, reload):
    agreement = make.agreement(table.partnership, [table.school], effective_on=EFFECTIVE)
    assert agreement_status(reload(agreement), EFFECTIVE) is AgreementStatus.DRAFT


def test_sent_agreement_is_out_for_signature_until_every_party_signed(make, table, reload):
    agreement = make.agreement(
        table.partnership,
        [table.school, table.police],
        effective_on=EFFECTIVE,
        expires_on=EXPIRES,
        sent=True,
    )
    agreement = reload(agreement)
    assert agreement_status(agreement, EFFECTIVE) is AgreementStatus.OUT_FOR_SIGNATURE
    make.signature(agreement.parties[0], signed_on=date(2026, 6, 1))
    assert agreement_status(reload(agreement), EFFECTIVE) is AgreementStatus.OUT_FOR_SIGNATURE
    make.signature(agreement.parties[1], signed_on=date(2026, 6, 2))
    assert agreement_status(reload(agreement), EFFECTIVE) is AgreementStatus.ACTIVE


def test_sent_agreement_without_parties_is_never_signed(make, table, reload):
    agreement = make.agreement(table.partnership, [], effective_on=EFFECTIVE, sent=True)
    assert agreement_status(reload(agreement), EFFECTIVE) is AgreementStatus.OUT_FOR_SIGNATURE


def test_signed_agreement_waits_for_its_effective_date(signed):
    assert agreement_status(signed, day_before(EFFECTIVE)) is AgreementStatus.SIGNED
    assert not is_in_force(signed, day_before(EFFECTIVE))
    assert agreement_status(signed, EFFECTIVE) is AgreementStatus.ACTIVE
    assert is_in_force(signed, EFFECTIVE)


def test_notice_window_opens_on_its_first_day(signed):
    assert agreement_status(signed, day_before(NOTICE_START)) is AgreementStatus.ACTIVE
    assert agreement_status(signed, NOTICE_START) is AgreementStatus.EXPIRING


def test_agreement_expires_on_its_expiry_date(signed):
    assert agreement_status(signed, day_before(EXPIRES)) is AgreementStatus.EXPIRING
    assert is_in_force(signed, day_before(EXPIRES))
    assert agreement_status(signed, EXPIRES) is AgreementStatus.EXPIRED
    assert not is_in_force(signed, EXPIRES)


def test_open_ended_agreement_never_expires(make, table, reload):
    agreement = make.agreement(
        table.partnership, [table.school], effective_on=EFFECTIVE, signed=True
    )
    agreement = reload(agreement)
    assert agreement_status(agreement, date(2060, 1, 1)) is AgreementStatus.ACTIVE
    assert renewal_thresholds(agreement) == []


def test_termination_counts_from_its_date(db, signed, reload):
    signed.terminated_on = date(2026, 9, 1)
    signed.termination_reason = "The district withdrew."
    db.commit()
    agreement = reload(signed)
    assert agreement_status(agreement, date(2026, 8, 31)) is AgreementStatus.ACTIVE
    assert agreement_status(agreement, date(2026, 9, 1)) is AgreementStatus.TERMINATED
    assert not is_in_force(agreement, date(2026, 9, 1))


def test_termination_outranks_every_other_status(make, table, reload):
    draft = make.agreement(table.partnership, [table.school], terminated_on=date(2026, 1, 1))
    assert agreement_status(reload(draft), date(2026, 1, 1)) is AgreementStatus.TERMINATED


def test_agreement_with_a_successor_is_renewed_but_stays_in_force_to_its_end(
    make, table, signed, reload
):
    make.agreement(table.partnership, [table.school, table.police], predecessor_id=signed.id)
    agreement = reload(signed)
    assert agreement_status(agreement, NOTICE_START) is AgreementStatus.RENEWED
    assert is_in_force(agreement, NOTICE_START)
    assert not is_in_force(agreement, EXPIRES)


def test_withdrawn_signature_no_longer_counts(db, signed, reload):
    signature = signed.parties[1].signatures[0]
    signature.withdrawn_at = datetime(2026, 7, 2, tzinfo=UTC)
    signature.withdrawal_reason = "Signed by someone without authority."
    db.commit()
    agreement = reload(signed)
    assert agreement.parties[1].signature is None
    assert agreement_status(agreement, EFFECTIVE) is AgreementStatus.OUT_FOR_SIGNATURE


def test_latest_signature_not_withdrawn_is_the_partys_signature(make, signed, reload):
    make.signature(signed.parties[0], name="Dana Director", signed_on=date(2026, 6, 20))
    party = reload(signed).parties[0]
    assert party.signer_name == "Dana Director"
    assert party.signed_on == date(2026, 6, 20)


def test_automatic_renewal_rolls_over_into_a_new_term(make, table, reload):
    agreement = make.agreement(
        table.partnership,
        [table.school],
        effective_on=EFFECTIVE,
        expires_on=EXPIRES,
        renewal_rule=RenewalRule.AUTOMATIC,
        signed=True,
    )
    agreement = reload(agreement)
    next_end = date(2028, 7, 1)
    assert agreement_status(agreement, day_before(EXPIRES)) is AgreementStatus.EXPIRING
    assert agreement_status(agreement, EXPIRES) is AgreementStatus.ACTIVE
    assert term_end(agreement, EXPIRES) == next_end
    assert agreement_status(agreement, next_end - timedelta(days=90)) is AgreementStatus.EXPIRING
    assert agreement_status(agreement, date(2040, 7, 1)) is AgreementStatus.ACTIVE
    assert renewal_thresholds(agreement, EXPIRES)[-1] == ("expiry", next_end)


def test_today_is_the_partnerships_date(make):
    denver = make.partnership(timezone="America/Denver")
    berlin = make.partnership(timezone="Europe/Berlin")
    # 03:30 UTC on 24 November is still the evening of the 23rd in Denver (UTC-7).
    now = datetime(2026, 11, 24, 3, 30, tzinfo=UTC)
    assert local_today(denver, now) == date(2026, 11, 23)
    assert local_today(berlin, now) == date(2026, 11, 24)


def test_just_after_midnight_utc_an_agreement_is_not_yet_expired_in_denver(make, table, reload):
    agreement = make.agreement(
        table.partnership,
        [table.school],
        effective_on=date(2025, 11, 24),
        expires_on=date(2026, 11, 24),
        signed=True,
    )
    now = datetime(2026, 11, 24, 0, 5, tzinfo=UTC)
    today = local_today(table.partnership, now)
    assert agreement_status(reload(agreement), today) is AgreementStatus.EXPIRING
    assert agreement_status(reload(agreement), now.date()) is AgreementStatus.EXPIRED


def test_renewal_thresholds_are_notice_30_days_7_days_and_expiry(signed):
    assert renewal_thresholds(signed) == [
        ("notice", NOTICE_START),
        ("30_days", date(2027, 6, 1)),
        ("7_days", date(2027, 6, 24)),
        ("expiry", EXPIRES),
    ]


@pytest.mark.parametrize(
    ("notice_days", "names"),
    [
        (30, ["notice", "7_days", "expiry"]),
        (14, ["notice", "7_days", "expiry"]),
        (7, ["notice", "expiry"]),
        (0, ["expiry"]),
    ],
)
def test_reminders_before_the_notice_window_are_left_out(make, table, notice_days, names):
    agreement = make.agreement(table.partnership, [], expires_on=EXPIRES, notice_days=notice_days)
    assert [name for name, _ in renewal_thresholds(agreement)] == names


def test_agreements_due_are_the_expiring_and_expired_ones(make, table, db):
    parties = [table.school, table.police]
    terms = {"effective_on": EFFECTIVE, "expires_on": EXPIRES}
    expiring = make.agreement(table.partnership, parties, title="Expiring", signed=True, **terms)
    expired = make.agreement(
        table.partnership,
        parties,
        title="Expired",
        signed=True,
        effective_on=date(2026, 1, 1),
        expires_on=date(2027, 5, 1),
    )
    renewed = make.agreement(table.partnership, parties, title="Renewed", signed=True, **terms)
    make.agreement(table.partnership, parties, title="Successor", predecessor_id=renewed.id)
    make.agreement(
        table.partnership,
        parties,
        title="Terminated",
        signed=True,
        terminated_on=date(2027, 5, 1),
        **terms,
    )
    make.agreement(table.partnership, parties, title="Unsigned", sent=True, **terms)
    make.agreement(
        table.partnership, parties, title="Not yet", signed=True, **{**terms, "notice_days": 30}
    )
    other = make.partnership(name="Elsewhere")
    make.agreement(other, [make.agency(other)], title="Elsewhere", signed=True, **terms)
    db.commit()

    today = date(2027, 5, 15)
    assert [a.title for a in agreements_due(db, today, [table.partnership.id])] == [
        expired.title,
        expiring.title,
    ]
    assert "Elsewhere" in [a.title for a in agreements_due(db, today)]
    before_notice = agreements_due(db, day_before(NOTICE_START), [table.partnership.id])
    assert [a.title for a in before_notice] == [expired.title]
