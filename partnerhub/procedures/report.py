"""The procedures' sections of the annual report: reviews done on time, and sign-offs given."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from partnerhub.partnerships.models import Organization, PartnerAgency, Partnership
from partnerhub.procedures.models import (
    Procedure,
    ProcedureReview,
    ProcedureStatus,
    ProcedureVersion,
    SignOff,
)
from partnerhub.report.registry import Figures, Period, Table, percent, report_section

ON_TIME, LATE, NOT_DONE = "On time", "Late", "Not done"


@report_section("procedures", "Procedures reviewed on time", order=30)
def procedure_reviews(session: Session, partnership: Partnership, period: Period) -> Figures:
    """Reviews that fell due in the period: done by their due date, done late, or still not
    done (a procedure whose review date in the period has passed unrecorded)."""
    owner = (Procedure.title, Organization.name.label("agency"))
    of_partnership = (
        select(*owner)
        .join(PartnerAgency, PartnerAgency.id == Procedure.owning_agency_id)
        .join(Organization, Organization.id == PartnerAgency.organization_id)
        .where(Procedure.partnership_id == partnership.id)
    )
    done = session.execute(
        of_partnership.add_columns(ProcedureReview.due_on, ProcedureReview.reviewed_on)
        .join(ProcedureReview, ProcedureReview.procedure_id == Procedure.id)
        .where(ProcedureReview.due_on >= period.start, ProcedureReview.due_on < period.end)
    ).all()
    pending = session.execute(
        of_partnership.add_columns(Procedure.next_review_on).where(
            Procedure.retired_at.is_(None),
            Procedure.next_review_on >= period.start,
            Procedure.next_review_on < min(period.end, period.today),
        )
    ).all()
    rows = [
        (r.title, r.agency, r.due_on, r.reviewed_on, ON_TIME if r.reviewed_on <= r.due_on else LATE)
        for r in done
    ] + [(r.title, r.agency, r.next_review_on, None, NOT_DONE) for r in pending]
    rows.sort(key=lambda row: (row[2], row[0].lower()))
    outcomes = Counter(row[4] for row in rows)
    return Figures(
        summary=[
            ("Reviews due", len(rows)),
            ("Done on time", f"{outcomes[ON_TIME]} ({percent(outcomes[ON_TIME], len(rows))})"),
            ("Done late", outcomes[LATE]),
            ("Not done", outcomes[NOT_DONE]),
        ],
        tables=[
            Table(
                "procedure_reviews",
                "Reviews due in the period",
                ("Procedure", "Owning agency", "Due", "Reviewed on", "Outcome"),
                [
                    (title, agency, due.isoformat(), done_on.isoformat() if done_on else "", out)
                    for title, agency, due, done_on, out in rows
                ],
                empty="No procedure review fell due in this period.",
            )
        ],
        note="A review is done by recording it on the procedure or by approving a new version.",
    )


@report_section("sign_offs", "Sign-offs given", order=35)
def sign_offs(session: Session, partnership: Partnership, period: Period) -> Figures:
    """Each agency's sign-offs of procedure versions in the period, and versions approved."""
    given = session.execute(
        select(Organization.name, func.count(SignOff.id))
        .join(PartnerAgency, PartnerAgency.id == SignOff.partner_agency_id)
        .join(Organization, Organization.id == PartnerAgency.organization_id)
        .where(
            PartnerAgency.partnership_id == partnership.id,
            SignOff.signed_at >= period.start_at,
            SignOff.signed_at < period.end_at,
        )
        .group_by(Organization.name)
        .order_by(func.lower(Organization.name))
    ).all()
    approved = session.scalar(
        select(func.count(ProcedureVersion.id))
        .join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
        .where(
            Procedure.partnership_id == partnership.id,
            ProcedureVersion.status.in_([ProcedureStatus.APPROVED, ProcedureStatus.SUPERSEDED]),
            ProcedureVersion.approved_at >= period.start_at,
            ProcedureVersion.approved_at < period.end_at,
        )
    )
    return Figures(
        summary=[
            ("Sign-offs given", sum(count for _, count in given)),
            ("Versions approved", approved),
        ],
        tables=[
            Table(
                "sign_offs",
                "Sign-offs by agency",
                ("Agency", "Sign-offs given"),
                [tuple(row) for row in given],
                empty="No agency signed off a procedure version in this period.",
            )
        ],
    )
