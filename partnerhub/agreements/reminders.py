"""What agreements flag and send: renewal flags, and emails at the notice window's opening,
30 and 7 days before the end of the term, and on expiry; annual review flags, and emails 30
days before the review date and on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from partnerhub.agreements.services import (
    agreements_due,
    agreements_review_due,
    renewal_thresholds,
    review_thresholds,
    term_end,
)
from partnerhub.links import external_url
from partnerhub.notifications import (
    FlagKind,
    Partnerships,
    ReminderKind,
    SweepReport,
    flag,
    long_date,
    notify,
    people,
    resolve_flags,
    sweep_step,
)
from partnerhub.partnerships.models import Membership, Role

THRESHOLD_WORDS = {
    "notice": "is due for renewal",
    "30_days": "expires in 30 days",
    "7_days": "expires in 7 days",
    "expiry": "has expired",
}


@sweep_step(order=30)
def sweep_agreement_flags(
    session: Session, now: datetime, partnerships: Partnerships, report: SweepReport
) -> None:
    """Flag agreements due for renewal; email facilitators and signatories at each threshold."""
    still_due = set()
    for today, partnership_ids in partnerships.by_today.items():
        for agreement in agreements_due(session, today, partnership_ids):
            subject = f"agreement:{agreement.id}"
            still_due.add(subject)
            passed = [name for name, day in renewal_thresholds(agreement, today) if day <= today]
            if not passed:
                continue
            end = term_end(agreement, today)
            flagged, previous = flag(
                session,
                FlagKind.AGREEMENT_RENEWAL,
                subject,
                agreement,
                end,
                passed[-1],
                today,
                report,
            )
            if previous == passed[-1] or flagged.acknowledged_at is not None:
                continue
            notify(
                session,
                ReminderKind.AGREEMENT_RENEWAL,
                "agreement_renewal",
                f"{agreement.title} {THRESHOLD_WORDS[passed[-1]]}",
                key=f"agreement-renewal:{agreement.id}:{end.isoformat()}:{passed[-1]}",
                to=_facilitators_and_signatories(session, agreement),
                about=flagged.subject,
                partnership_id=agreement.partnership_id,
                names=partnerships.names,
                now=now,
                report=report,
                agreement=agreement,
                state=THRESHOLD_WORDS[passed[-1]],
                expires_on=long_date(end),
                expired=passed[-1] == "expiry",
                link=_page_of(agreement),
            )
    report.flags_resolved += resolve_flags(session, FlagKind.AGREEMENT_RENEWAL, still_due, now)


REVIEW_WORDS = {
    "review_30_days": "is due for its annual review in 30 days",
    "review_due": "is due for its annual review",
}


@sweep_step(order=31)
def sweep_agreement_reviews(
    session: Session, now: datetime, partnerships: Partnerships, report: SweepReport
) -> None:
    """Flag agreements whose annual review is near or overdue; email facilitators and the
    parties' signatories once at each threshold (30 days before, and on the day)."""
    still_due = set()
    for today, partnership_ids in partnerships.by_today.items():
        for agreement in agreements_review_due(session, today, partnership_ids):
            subject = f"agreement:{agreement.id}"
            still_due.add(subject)
            passed = [name for name, day in review_thresholds(agreement) if day <= today]
            flagged, previous = flag(
                session,
                FlagKind.AGREEMENT_REVIEW,
                subject,
                agreement,
                agreement.review_on,
                passed[-1],
                today,
                report,
            )
            if previous == passed[-1] or flagged.acknowledged_at is not None:
                continue
            notify(
                session,
                ReminderKind.AGREEMENT_RENEWAL,
                "agreement_review",
                f"{agreement.title} {REVIEW_WORDS[passed[-1]]}",
                key=f"agreement-review:{agreement.id}:{agreement.review_on.isoformat()}:"
                f"{passed[-1]}",
                to=_facilitators_and_signatories(session, agreement),
                about=flagged.subject,
                partnership_id=agreement.partnership_id,
                names=partnerships.names,
                now=now,
                report=report,
                agreement=agreement,
                state=REVIEW_WORDS[passed[-1]],
                review_on=long_date(agreement.review_on),
                overdue=passed[-1] == "review_due",
                link=_page_of(agreement),
            )
    report.flags_resolved += resolve_flags(session, FlagKind.AGREEMENT_REVIEW, still_due, now)


def _facilitators_and_signatories(session: Session, agreement) -> list:
    """Who hears of an agreement's renewal or review: the facilitators and the parties'
    signatories."""
    parties = [p.partner_agency_id for p in agreement.parties]
    return people(
        session,
        agreement.partnership_id,
        Membership.role == Role.FACILITATOR,
        Membership.is_signatory.is_(True) & Membership.partner_agency_id.in_(parties),
    )


def _page_of(agreement) -> str:
    return external_url(
        "agreements.show", partnership_id=agreement.partnership_id, agreement_id=agreement.id
    )
