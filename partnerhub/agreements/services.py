"""Agreement rules: status from the data, renewal dates, and every change to an agreement.

Dates are the partnership's: `today` is the date in the partnership's time zone (see
`local_today`), and an agreement's `expires_on` is the first day it is no longer in force.

Status, in order of precedence:
- terminated: `terminated_on` ≤ today (a termination dated ahead leaves it in force until then);
- renewed: a successor agreement was created from it (even while the successor is a draft);
- draft: not yet sent for signature;
- out for signature: some party has not signed;
- signed (not yet effective): every party signed but the effective date is still ahead;
- expired: today ≥ the end of its term; expiring: today ≥ the end of term - notice days;
- active otherwise.
An open-ended agreement (no expiry date) never expires. An agreement whose renewal rule is
*automatic* rolls over into a new term of the same length when a term ends, for as long as
nobody terminates it: it is "expiring" in the notice window before each term's end (the time to
give notice of non-renewal) and never "expired".
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from partnerhub.agreements.models import (
    Agreement,
    AgreementParty,
    AgreementStatus,
    RenewalRule,
)

# The loader options status computation needs; lazy loading is off on these relationships.
STATUS_LOAD = (
    selectinload(Agreement.parties).selectinload(AgreementParty.signatures),
    selectinload(Agreement.successor),
)

# Reminders before the end of a term, after the notice window opens (days before expiry).
REMINDER_DAYS = (30, 7)


def local_today(timezone: str, now: datetime) -> date:
    """The date it is at `now` in a partnership's time zone."""
    return now.astimezone(ZoneInfo(timezone)).date()


def all_parties_signed(agreement: Agreement) -> bool:
    """True when the agreement has parties and each has a signature on file."""
    return bool(agreement.parties) and all(p.signature for p in agreement.parties)


def _term_length(agreement: Agreement) -> relativedelta:
    """The length of one term: whole months when the dates allow, else days."""
    start = agreement.effective_on or agreement.expires_on - relativedelta(years=1)
    delta = relativedelta(agreement.expires_on, start)
    if delta.days == 0:
        return relativedelta(years=delta.years, months=delta.months)
    return relativedelta(days=(agreement.expires_on - start).days)


def term_end(agreement: Agreement, today: date | None = None) -> date | None:
    """The end of the term in force on `today` (the expiry date, or a later automatic one)."""
    end = agreement.expires_on
    if end is None or today is None or agreement.renewal_rule is not RenewalRule.AUTOMATIC:
        return end
    start = agreement.effective_on or end - relativedelta(years=1)
    length = _term_length(agreement)
    terms = 1
    while end <= today:
        terms += 1
        end = start + length * terms
    return end


def agreement_status(agreement: Agreement, today: date) -> AgreementStatus:
    """Where the agreement stands on `today` (the partnership's date); see the module doc."""
    if agreement.terminated_on is not None and agreement.terminated_on <= today:
        return AgreementStatus.TERMINATED
    if agreement.successor is not None:
        return AgreementStatus.RENEWED
    if agreement.sent_for_signature_at is None:
        return AgreementStatus.DRAFT
    if not all_parties_signed(agreement):
        return AgreementStatus.OUT_FOR_SIGNATURE
    if agreement.effective_on is None or today < agreement.effective_on:
        return AgreementStatus.SIGNED
    end = term_end(agreement, today)
    if end is None:
        return AgreementStatus.ACTIVE
    if today >= end:
        return AgreementStatus.EXPIRED
    if today >= end - timedelta(days=agreement.renewal_notice_days):
        return AgreementStatus.EXPIRING
    return AgreementStatus.ACTIVE


def is_in_force(agreement: Agreement, today: date) -> bool:
    """Signed by every party, effective, not ended: a renewed one stays in force to its end."""
    if agreement.sent_for_signature_at is None or not all_parties_signed(agreement):
        return False
    if agreement.terminated_on is not None and agreement.terminated_on <= today:
        return False
    if agreement.effective_on is None or today < agreement.effective_on:
        return False
    end = term_end(agreement, today)
    return end is None or today < end


def renewal_thresholds(agreement: Agreement, today: date | None = None) -> list[tuple[str, date]]:
    """The dates to remind people on, oldest first: the notice window opening, 30 and 7 days
    before expiry (when inside the window) and the expiry itself. For an automatic renewal,
    pass `today` to get the dates of the term in force then. Open-ended: none."""
    end = term_end(agreement, today)
    if end is None:
        return []
    notice_start = end - timedelta(days=agreement.renewal_notice_days)
    thresholds = [("notice", notice_start)] if notice_start < end else []
    for days in REMINDER_DAYS:
        day = end - timedelta(days=days)
        if notice_start < day < end:
            thresholds.append((f"{days}_days", day))
    return [*thresholds, ("expiry", end)]


DUE_STATUSES = (AgreementStatus.EXPIRING, AgreementStatus.EXPIRED)


def agreements_due(
    session: Session, today: date, partnership_ids: list[int] | None = None
) -> list[Agreement]:
    """Agreements inside their renewal notice window or expired, neither renewed nor
    terminated, soonest end first. Parties, signatures and successor are loaded."""
    query = (
        select(Agreement)
        .where(
            Agreement.sent_for_signature_at.is_not(None),
            Agreement.expires_on.is_not(None),
            ~Agreement.successor.has(),
            (Agreement.terminated_on.is_(None)) | (Agreement.terminated_on > today),
        )
        .options(*STATUS_LOAD)
        .order_by(Agreement.expires_on, Agreement.id)
    )
    if partnership_ids is not None:
        query = query.where(Agreement.partnership_id.in_(partnership_ids))
    due = [a for a in session.scalars(query) if agreement_status(a, today) in DUE_STATUSES]
    return sorted(due, key=lambda a: (term_end(a, today), a.id))
