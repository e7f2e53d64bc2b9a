"""The partnerships module's own stage checklist items and dashboard attention items.

Registered through the registry like every other module's, so the stage pages treat them alike.
The items follow the 3 Bold Steps (Partner - Plan - Act) in DOMAIN.md.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from partnerhub.partnerships import services
from partnerhub.partnerships.models import (
    CORE_SECTORS,
    Membership,
    Organization,
    PartnerAgency,
    Partnership,
    Role,
    SectorAbsence,
    Stage,
)
from partnerhub.partnerships.registry import (
    Attention,
    Check,
    CheckResult,
    add_check,
    attention_source,
    computed_check,
)


@computed_check(
    Stage.PARTNER,
    "partner.core_sectors",
    "A representative from each core system, or a recorded reason why one is absent",
    order=10,
)
def core_sectors_settled(session: Session, partnership: Partnership, today: date) -> CheckResult:
    open_sectors = [
        c.sector.label for c in services.sector_coverage(session, partnership) if not c.settled
    ]
    if open_sectors:
        return CheckResult(False, "Missing: " + ", ".join(open_sectors))
    return CheckResult(True)


@computed_check(Stage.PARTNER, "partner.facilitator", "A convener/facilitator named", order=20)
def facilitator_named(session: Session, partnership: Partnership, today: date) -> CheckResult:
    count = session.scalar(
        select(func.count()).where(
            Membership.partnership_id == partnership.id,
            Membership.role == Role.FACILITATOR,
            Membership.left_at.is_(None),
        )
    )
    return CheckResult(count > 0)


@computed_check(
    Stage.PARTNER,
    "partner.purpose",
    "A purpose statement: why these agencies are at the table",
    order=30,
)
def purpose_stated(session: Session, partnership: Partnership, today: date) -> CheckResult:
    return CheckResult(bool(partnership.purpose.strip()))


@computed_check(
    Stage.PARTNER, "partner.cadence", "A regular meeting cadence set (monthly is typical)", order=40
)
def cadence_set(session: Session, partnership: Partnership, today: date) -> CheckResult:
    return CheckResult(bool(partnership.meeting_cadence.strip()), partnership.meeting_cadence)


@computed_check(Stage.PLAN, "plan.legal_advisor", "A legal advisor on the roster", order=10)
def legal_advisor_named(session: Session, partnership: Partnership, today: date) -> CheckResult:
    names = session.scalars(
        select(Membership).where(
            Membership.partnership_id == partnership.id,
            Membership.is_legal_advisor.is_(True),
            Membership.left_at.is_(None),
        )
    ).all()
    return CheckResult(bool(names), ", ".join(m.user.name for m in names))


MANUAL_ITEMS = (
    (
        Stage.PARTNER,
        "partner.collaborative",
        "Built on an existing youth-serving collaborative, where one exists",
        False,
        50,
    ),
    (
        Stage.PARTNER,
        "partner.shared_leadership",
        "Partners agreed on shared leadership and ownership",
        True,
        60,
    ),
    (
        Stage.PLAN,
        "plan.law_reviewed",
        "The law reviewed with a legal advisor: FERPA, HIPAA, 42 CFR Part 2, state juvenile code",
        True,
        20,
    ),
    (Stage.PLAN, "plan.objectives", "Objectives and each agency's role agreed", True, 30),
    (
        Stage.PLAN,
        "plan.what_to_share",
        "Decided what may be shared, with whom, when, and on which legal basis",
        True,
        40,
    ),
    (
        Stage.PLAN,
        "plan.procedures_written",
        "Information-sharing procedures and consent/release forms written",
        True,
        50,
    ),
    (
        Stage.PLAN,
        "plan.agreement_drafted",
        "Interagency agreement (MOU, MOA or IGA) drafted",
        True,
        60,
    ),
    (
        Stage.ACT,
        "act.staff_trained",
        "Staff in every agency trained on the law, the agreement and the procedures",
        True,
        30,
    ),
    (Stage.ACT, "act.new_staff_training", "Training planned for new staff", False, 40),
)

for stage, key, label, required, order in MANUAL_ITEMS:
    add_check(Check(stage, key, label, required=required, order=order))


@attention_source
def roster_gaps(session: Session, partnership_ids: list[int], today: date) -> list[Attention]:
    """Agencies without a liaison, and core sectors with neither an agency nor a reason."""
    items = []
    no_liaison = session.execute(
        select(PartnerAgency.partnership_id, Organization.name)
        .join(Organization, Organization.id == PartnerAgency.organization_id)
        .where(
            PartnerAgency.partnership_id.in_(partnership_ids),
            PartnerAgency.left_on.is_(None),
            PartnerAgency.liaison_id.is_(None),
        )
        .order_by(Organization.name)
    ).all()
    for partnership_id, name in no_liaison:
        items.append(
            Attention(
                partnership_id,
                f"{name} has no liaison",
                url_for("partnerships.agencies", partnership_id=partnership_id),
            )
        )
    settled = defaultdict(set)
    for partnership_id, sector in session.execute(
        select(PartnerAgency.partnership_id, Organization.sector)
        .join(Organization, Organization.id == PartnerAgency.organization_id)
        .where(PartnerAgency.partnership_id.in_(partnership_ids), PartnerAgency.left_on.is_(None))
        .union(
            select(SectorAbsence.partnership_id, SectorAbsence.sector).where(
                SectorAbsence.partnership_id.in_(partnership_ids)
            )
        )
    ):
        settled[partnership_id].add(sector)
    for partnership_id in partnership_ids:
        missing = [s.label for s in CORE_SECTORS if s not in settled[partnership_id]]
        if missing:
            items.append(
                Attention(
                    partnership_id,
                    "No agency yet for " + ", ".join(missing),
                    url_for("partnerships.roster", partnership_id=partnership_id),
                    severity="info",
                )
            )
    return items
