"""What procedures flag and send: review flags when a procedure falls due for review, and
sign-off requests to whoever signs for an agency yet to sign a version in review (once per
version and person; a liaison named later is asked too)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from partnerhub.links import external_url
from partnerhub.notifications import (
    FlagKind,
    OutboxMessage,
    Partnerships,
    ReminderKind,
    SweepReport,
    active_members,
    flag,
    flag_subject,
    long_date,
    no_id,
    notify,
    people,
    resolve_flags,
    sweep_step,
)
from partnerhub.partnerships.models import Membership, PartnerAgency, Role
from partnerhub.procedures.models import Procedure
from partnerhub.procedures.permissions import may_sign_for
from partnerhub.procedures.services import awaiting_sign_off, procedures_due_for_review


@sweep_step(order=40)
def sweep_procedure_flags(
    session: Session, now: datetime, partnerships: Partnerships, report: SweepReport
) -> None:
    """Flag procedures due for review; email the owner's liaison, alternate and facilitators."""
    still_due = set()
    for today, partnership_ids in partnerships.by_today.items():
        for procedure in procedures_due_for_review(session, today, partnership_ids):
            subject = f"procedure:{procedure.id}"
            still_due.add(subject)
            due = procedure.next_review_on
            flagged, previous = flag(
                session, FlagKind.PROCEDURE_REVIEW, subject, procedure, due, "due", today, report
            )
            if previous is not None:
                continue
            agency = session.get(PartnerAgency, procedure.owning_agency_id)
            contacts = [i for i in (agency.liaison_id, agency.alternate_id) if i]
            notify(
                session,
                ReminderKind.PROCEDURE_REVIEW,
                "procedure_review",
                f"Review due: {procedure.title}",
                key=f"procedure-review:{procedure.id}:{due.isoformat()}",
                to=people(
                    session,
                    procedure.partnership_id,
                    Membership.role == Role.FACILITATOR,
                    Membership.id.in_(contacts),
                ),
                about=flagged.subject,
                partnership_id=procedure.partnership_id,
                names=partnerships.names,
                now=now,
                report=report,
                procedure=procedure,
                agency_name=agency.organization.name,
                due_on=long_date(due),
                link=external_url(
                    "procedures.show",
                    partnership_id=procedure.partnership_id,
                    procedure_id=procedure.id,
                ),
            )
    report.flags_resolved += resolve_flags(session, FlagKind.PROCEDURE_REVIEW, still_due, now)


@sweep_step(order=60)
def sweep_sign_off_requests(
    session: Session, now: datetime, partnerships: Partnerships, report: SweepReport
) -> None:
    """Ask whoever signs for an agency yet to sign a procedure version in review to do so:
    once per version and person (a liaison named later is asked too)."""
    pending = [row for row in awaiting_sign_off(session, partnerships.names) if row[2]]
    if not pending:
        return
    members = defaultdict(list)
    for membership in session.scalars(
        active_members({procedure.partnership_id for procedure, _v, _a in pending})
    ):
        members[membership.partnership_id].append(membership)
    asked = set(
        session.scalars(
            select(OutboxMessage.idempotency_key).where(
                OutboxMessage.about.in_([f"procedure-version:{v.id}" for _p, v, _a in pending])
            )
        )
    )
    for procedure, version, agencies in pending:
        key = f"procedure-sign-off:{version.id}"
        signers = [
            m
            for m in members[procedure.partnership_id]
            if f"{key}:{m.user_id}" not in asked and any(may_sign_for(m, a) for a in agencies)
        ]
        if not signers:
            continue
        notify(
            session,
            ReminderKind.SIGN_OFF_REQUEST,
            "procedure_sign_off",
            f"Sign-off requested: {procedure.title}, version {version.number}",
            key=key,
            to=signers,
            about=f"procedure-version:{version.id}",
            partnership_id=procedure.partnership_id,
            names=partnerships.names,
            now=now,
            report=report,
            procedure=procedure,
            version=version,
            agencies=[agency.name for agency in agencies],
            link=external_url(
                "procedures.version",
                partnership_id=procedure.partnership_id,
                procedure_id=procedure.id,
                number=version.number,
            ),
        )


@flag_subject("procedure")
def procedure_owners() -> Select:
    """A procedure due for review is its owning agency's."""
    return select(Procedure.id, no_id(), Procedure.owning_agency_id)
