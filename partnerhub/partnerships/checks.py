"""The partnerships module's own stage checklist items and dashboard attention items.

Registered through the registry like every other module's, so the stage pages treat them alike.
The items follow the 3 Bold Steps (Partner - Plan - Act) in DOMAIN.md.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import url_for
from sqlalchemy import String, false, literal, select
from sqlalchemy.orm import Session

from partnerhub.auth.models import User
from partnerhub.partnerships.models import (
    CORE_SECTORS,
    Membership,
    Organization,
    PartnerAgency,
    Partnership,
    Role,
    Sector,
    SectorAbsence,
    Stage,
)
from partnerhub.partnerships.owners import owners_in
from partnerhub.partnerships.registry import (
    Attention,
    Check,
    CheckResult,
    add_check,
    attention_source,
    computed_check,
)
from partnerhub.partnerships.snapshot import shared


@computed_check(
    Stage.PARTNER,
    "partner.core_sectors",
    "A representative from each core system, or a recorded reason why one is absent",
    order=10,
)
def core_sectors_settled(session: Session, partnership: Partnership, today: date) -> CheckResult:
    settled = _table(session, [partnership.id]).settled[partnership.id]
    open_sectors = [s.label for s in CORE_SECTORS if s not in settled]
    if open_sectors:
        return CheckResult(False, "Missing: " + ", ".join(open_sectors))
    return CheckResult(True)


@computed_check(Stage.PARTNER, "partner.facilitator", "A convener/facilitator named", order=20)
def facilitator_named(session: Session, partnership: Partnership, today: date) -> CheckResult:
    return CheckResult(
        any(role is Role.FACILITATOR for role, _, _ in _leaders(session, partnership))
    )


@computed_check(
    Stage.PARTNER,
    "partner.purpose",
    "A purpose statement: why these agencies are at the table",
    order=30,
)
def purpose_stated(session: Session, partnership: Partnership, today: date) -> CheckResult:
    return CheckResult(bool(partnership.purpose.strip()))


@computed_check(Stage.PLAN, "plan.legal_advisor", "A legal advisor on the roster", order=10)
def legal_advisor_named(session: Session, partnership: Partnership, today: date) -> CheckResult:
    names = [name for _, legal, name in _leaders(session, partnership) if legal]
    return CheckResult(bool(names), ", ".join(names))


def _leaders(session: Session, partnership: Partnership) -> list[tuple[Role, bool, str]]:
    """(role, legal advisor, name) of the facilitators and legal advisors on the roster, read
    once for the checks that need them."""
    query = (
        select(Membership.role, Membership.is_legal_advisor, User.name)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.partnership_id == partnership.id,
            Membership.left_at.is_(None),
            (Membership.role == Role.FACILITATOR) | Membership.is_legal_advisor.is_(True),
        )
        .order_by(Membership.id)
    )
    return shared(
        session, ("leaders", partnership.id), lambda: [tuple(r) for r in session.execute(query)]
    )


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


@dataclass
class _Table:
    """Who sits at the partnerships' tables: the agencies without a liaison, and the sectors
    settled (represented by an agency, or with a recorded absence)."""

    without_liaison: list[tuple[int, str]] = field(default_factory=list)
    settled: dict[int, set[Sector]] = field(default_factory=lambda: defaultdict(set))


def _table(session: Session, partnership_ids: list[int]) -> _Table:
    """One statement: each active agency's sector and whether it lacks a liaison, and each
    recorded absence."""
    agencies = (
        select(
            PartnerAgency.partnership_id,
            Organization.sector,
            Organization.name,
            PartnerAgency.liaison_id.is_(None).label("no_liaison"),
        )
        .join(Organization, Organization.id == PartnerAgency.organization_id)
        .where(PartnerAgency.partnership_id.in_(partnership_ids), PartnerAgency.left_on.is_(None))
    )
    absences = select(
        SectorAbsence.partnership_id,
        SectorAbsence.sector,
        literal(None, String).label("name"),
        false().label("no_liaison"),
    ).where(SectorAbsence.partnership_id.in_(partnership_ids))
    table = _Table()
    rows = session.execute(agencies.union_all(absences).order_by("name")).all()
    for partnership_id, sector, name, no_liaison in rows:
        table.settled[partnership_id].add(Sector(sector) if isinstance(sector, str) else sector)
        if no_liaison:
            table.without_liaison.append((partnership_id, name))
    return table


@attention_source
def roster_gaps(session: Session, partnership_ids: list[int], today: date) -> list[Attention]:
    """Agencies without a liaison, and core sectors with neither an agency nor a reason."""
    table = _table(session, partnership_ids)
    owners = owners_in(session, partnership_ids)
    items = [
        Attention(
            partnership_id,
            f"{name} has no liaison",
            url_for("partnerships.agencies", partnership_id=partnership_id),
            owner=owners.facilitators(partnership_id).label,
        )
        for partnership_id, name in table.without_liaison
    ]
    for partnership_id in partnership_ids:
        missing = [s.label for s in CORE_SECTORS if s not in table.settled[partnership_id]]
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
