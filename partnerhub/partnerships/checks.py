"""The partnerships module's own stage checklist items and dashboard attention items.

Registered through the registry like every other module's, so the stage pages treat them alike.
The items follow the 3 Bold Steps (Partner - Plan - Act) in DOMAIN.md.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import url_for
from sqlalchemy import ScalarSelect, func, select
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
from partnerhub.partnerships.registry import (
    Attention,
    Check,
    CheckResult,
    OwnerRef,
    add_check,
    attention_source,
    computed_check,
    fact,
)
from partnerhub.partnerships.snapshot import facts


@computed_check(
    Stage.PARTNER,
    "partner.core_sectors",
    "A representative from each core system, or a recorded reason why one is absent",
    order=10,
)
def core_sectors_settled(session: Session, partnership: Partnership, today: date) -> CheckResult:
    settled = _table(session, [partnership.id], today).settled[partnership.id]
    open_sectors = [s.label for s in CORE_SECTORS if s not in settled]
    if open_sectors:
        return CheckResult(False, "Missing: " + ", ".join(open_sectors))
    return CheckResult(True)


@computed_check(Stage.PARTNER, "partner.facilitator", "A convener/facilitator named", order=20)
def facilitator_named(session: Session, partnership: Partnership, today: date) -> CheckResult:
    return CheckResult(bool(_names(session, partnership, today, "facilitators")))


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
    names = _names(session, partnership, today, "legal_advisors")
    return CheckResult(bool(names), ", ".join(names))


def _names(session: Session, partnership: Partnership, today: date, fact_name: str) -> list[str]:
    """The names a fact lists (one per line), in alphabetical order."""
    found = facts(session, [partnership.id], today)[partnership.id][fact_name]
    return sorted(found.split("\n")) if found else []


@fact("facilitators")
def _facilitators() -> ScalarSelect:
    return _names_of_members(Membership.role == Role.FACILITATOR)


@fact("legal_advisors")
def _legal_advisors() -> ScalarSelect:
    return _names_of_members(Membership.is_legal_advisor.is_(True))


def _names_of_members(condition) -> ScalarSelect:
    """The names of the partnership's active members meeting `condition`, one per line."""
    # each name looked up by key: joined, PostgreSQL hashed every user of the site once for
    # each partnership (a dashboard of ten partnerships spent a quarter of this statement so)
    name = select(User.name).where(User.id == Membership.user_id).scalar_subquery()
    return (
        select(func.aggregate_strings(name, "\n"))
        .select_from(Membership)
        .correlate(Partnership)
        .where(Membership.partnership_id == Partnership.id, Membership.left_at.is_(None), condition)
        .scalar_subquery()
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


def _table(session: Session, partnership_ids: list[int], today: date) -> _Table:
    """From the partnerships' facts: the active agencies' sectors, those without a liaison,
    and the absences recorded."""
    table = _Table()
    for partnership_id, found in facts(session, partnership_ids, today).items():
        for sector in _listed(found["sectors_at_table"], ",") + _listed(
            found["absent_sectors"], ","
        ):
            table.settled[partnership_id].add(Sector(sector))
        for name in sorted(_listed(found["agencies_without_liaison"], "\n")):
            table.without_liaison.append((partnership_id, name))
    return table


def _listed(found: str | None, separator: str) -> list[str]:
    return found.split(separator) if found else []


@fact("sectors_at_table")
def _sectors_at_table() -> ScalarSelect:
    """The sectors of the agencies at the table, comma-separated."""
    return _of_active_agencies(func.aggregate_strings(Organization.sector, ","))


@fact("agencies_without_liaison")
def _agencies_without_liaison() -> ScalarSelect:
    """The names of the agencies at the table with no liaison named, one per line."""
    return _of_active_agencies(
        func.aggregate_strings(Organization.name, "\n"), PartnerAgency.liaison_id.is_(None)
    )


def _of_active_agencies(column, *criteria) -> ScalarSelect:
    return (
        select(column)
        .select_from(PartnerAgency)
        .join(Organization, Organization.id == PartnerAgency.organization_id)
        .where(
            PartnerAgency.partnership_id == Partnership.id,
            PartnerAgency.left_on.is_(None),
            *criteria,
        )
        .scalar_subquery()
    )


@fact("absent_sectors")
def _absent_sectors() -> ScalarSelect:
    """The sectors the partnership recorded a reason to leave out, comma-separated."""
    return (
        select(func.aggregate_strings(SectorAbsence.sector, ","))
        .where(SectorAbsence.partnership_id == Partnership.id)
        .scalar_subquery()
    )


@attention_source
def roster_gaps(session: Session, partnership_ids: list[int], today: date) -> list[Attention]:
    """Agencies without a liaison, and core sectors with neither an agency nor a reason."""
    table = _table(session, partnership_ids, today)
    items = [
        Attention(
            partnership_id,
            f"{name} has no liaison",
            url_for("partnerships.agencies", partnership_id=partnership_id),
            owned_by=(OwnerRef(partnership_id),),
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
