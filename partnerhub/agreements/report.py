"""The agreements' section of the annual report: where each agreement stood at the end of
the period, renewals and signatures in it."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from partnerhub.agreements.models import Agreement, AgreementParty, AgreementSignature
from partnerhub.agreements.services import AgreementStatus, agreement_rows, term_end
from partnerhub.partnerships.models import Partnership
from partnerhub.report.registry import Figures, Period, Table, report_section

IN_FORCE = (AgreementStatus.ACTIVE, AgreementStatus.EXPIRING)


@report_section("agreements", "Agreements and renewals", order=40)
def agreements(session: Session, partnership: Partnership, period: Period) -> Figures:
    """Every agreement drafted by the period's end, with its status on the period's last day."""
    day = min(period.last_day, period.today)
    rows = [
        row
        for row in agreement_rows(session, partnership.id, day)
        if row.agreement.created_at < period.end_at
    ]
    signatures = session.scalar(
        select(func.count(AgreementSignature.id))
        .join(AgreementParty, AgreementParty.id == AgreementSignature.party_id)
        .join(Agreement, Agreement.id == AgreementParty.agreement_id)
        .where(
            Agreement.partnership_id == partnership.id,
            AgreementSignature.withdrawn_at.is_(None),
            AgreementSignature.signed_on >= period.start,
            AgreementSignature.signed_on < period.end,
        )
    )
    renewals = [
        row
        for row in rows
        if row.agreement.predecessor_id is not None and period.holds(row.agreement.effective_on)
    ]
    statuses = Counter(row.status for row in rows)
    table = []
    for row in rows:
        agreement, end = row.agreement, term_end(row.agreement, day)
        table.append(
            (
                agreement.title,
                agreement.kind.short,
                row.status.label,
                agreement.effective_on.isoformat() if agreement.effective_on else "",
                end.isoformat() if end else "open-ended",
                f"{row.signing.signed} of {row.signing.parties}",
                "renewal" if agreement.predecessor_id else "",
            )
        )
    return Figures(
        summary=[
            ("In force", sum(statuses[status] for status in IN_FORCE)),
            ("Renewals taking effect", len(renewals)),
            ("Expired", statuses[AgreementStatus.EXPIRED]),
            ("Signatures recorded", signatures),
        ],
        tables=[
            Table(
                "agreements",
                f"Agreements on {day.strftime('%d %B %Y')}",
                ("Agreement", "Kind", "Status", "Effective", "Term ends", "Signed", "Renewal"),
                table,
                empty="No agreement was drafted by the end of this period.",
            )
        ],
        note="Status as on the period's last day; signatures count those recorded in the "
        "period and not withdrawn.",
    )
