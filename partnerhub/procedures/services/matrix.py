"""The sharing matrix: which agency shares what with whom, when, and on which legal basis."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.orm import Session, raiseload

from partnerhub.audit.services import record
from partnerhub.db import read_rows
from partnerhub.errors import DomainError, NotFound
from partnerhub.partnerships.models import Membership, PartnerAgency, Partnership
from partnerhub.partnerships.registry import CheckResult
from partnerhub.partnerships.snapshot import shared
from partnerhub.permissions import Action
from partnerhub.procedures.models import (
    DataCategory,
    InformationFlow,
    LegalBasis,
    Procedure,
    ProcedureStatus,
    ProcedureVersion,
    rests_on_legal_basis,
)
from partnerhub.procedures.services.procedures import (
    agency_of,
    require_allowed,
)
from partnerhub.spreadsheets import csv_text


@dataclass
class FlowData:
    """The fields of a matrix row, as a form supplies them."""

    from_agency_id: int | None
    to_agency_id: int | None = None
    to_role: str = ""
    data_categories: list[DataCategory] = field(default_factory=list)
    trigger: str = ""
    legal_basis: LegalBasis | None = None
    statute_citation: str = ""
    consent_required: bool = False
    certification_required: bool = False
    procedure_id: int | None = None
    notes: str = ""


def partnership_flows(
    session: Session, partnership_id: int, *, procedures: bool = True
) -> list[InformationFlow]:
    """The matrix rows, grouped by sending agency, with the procedure governing each unless
    `procedures` is false (the grid shows none: joined, each flow's procedure, its agency
    and that agency's organization took a third of the grid's read)."""
    parameters = {"partnership_id": partnership_id}
    return list(session.scalars(_flows(procedures), parameters).unique())


@cache
def _flows(procedures: bool) -> Select:
    query = (
        select(InformationFlow)
        .where(InformationFlow.partnership_id == bindparam("partnership_id"))
        .order_by(InformationFlow.from_agency_id, InformationFlow.id)
    )
    return query if procedures else query.options(raiseload(InformationFlow.procedure))


def get_flow(session: Session, partnership_id: int, flow_id: int) -> InformationFlow:
    flow = session.get(InformationFlow, flow_id)
    if flow is None or flow.partnership_id != partnership_id:
        raise NotFound("There is no such flow in this partnership's matrix.")
    return flow


def _apply_flow(session: Session, flow: InformationFlow, data: FlowData) -> None:
    partnership_id = flow.partnership_id
    sender = agency_of(session, partnership_id, data.from_agency_id)
    receiver = agency_of(session, partnership_id, data.to_agency_id) if data.to_agency_id else None
    if receiver is None and not data.to_role.strip():
        raise DomainError("Name the receiving agency, a role, or both.")
    if receiver is not None and receiver.id == sender.id:
        raise DomainError("A flow goes to another agency; name a role for sharing within one.")
    if not data.data_categories:
        raise DomainError("Choose at least one kind of information.")
    if data.procedure_id is not None:
        procedure = session.get(Procedure, data.procedure_id)
        if procedure is None or procedure.partnership_id != partnership_id:
            raise NotFound("Choose one of this partnership's procedures.")
    basis = data.legal_basis
    flow.from_agency_id = sender.id
    flow.to_agency_id = receiver.id if receiver else None
    flow.to_role = data.to_role.strip()
    flow.data_categories = [c.value for c in data.data_categories]
    flow.trigger = data.trigger.strip()
    flow.legal_basis = basis
    flow.statute_citation = data.statute_citation.strip()
    # The law decides whether consent or a certification is needed; a box left unticked
    # must not hide that.
    flow.consent_required = data.consent_required or bool(basis and basis.needs_consent)
    flow.certification_required = data.certification_required or bool(
        basis and basis.needs_certification
    )
    flow.procedure_id = data.procedure_id
    flow.notes = data.notes.strip()


def add_flow(
    session: Session, membership: Membership, data: FlowData, now: datetime
) -> InformationFlow:
    """Add a row to the matrix."""
    flow = InformationFlow(partnership_id=membership.partnership_id)
    flow.from_agency_id = data.from_agency_id
    require_allowed(
        membership, Action.FLOW_EDIT, flow, "Members add flows only from the agency they represent."
    )
    _apply_flow(session, flow, data)
    session.add(flow)
    session.flush()
    record(
        session,
        membership.user,
        "flow.created",
        flow,
        f"Added a flow from {flow.from_agency.organization.name} to {flow.recipient}",
        now,
        partnership_id=flow.partnership_id,
    )
    return flow


def update_flow(
    session: Session, membership: Membership, flow: InformationFlow, data: FlowData, now: datetime
) -> InformationFlow:
    """Change a matrix row; a member may neither edit nor move a flow out of their agency."""
    require_allowed(
        membership, Action.FLOW_EDIT, flow, "Members edit only their own agency's flows."
    )
    require_allowed(
        membership,
        Action.FLOW_EDIT,
        InformationFlow(from_agency_id=data.from_agency_id),
        "Members edit only their own agency's flows.",
    )
    before = _flow_snapshot(flow)
    _apply_flow(session, flow, data)
    session.flush()
    session.refresh(flow)
    after = _flow_snapshot(flow)
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    record(
        session,
        membership.user,
        "flow.updated",
        flow,
        f"Changed the flow from {flow.from_agency.organization.name} to {flow.recipient}",
        now,
        partnership_id=flow.partnership_id,
        details={"changed": changed},
    )
    return flow


def _flow_snapshot(flow: InformationFlow) -> dict:
    return {
        "from_agency_id": flow.from_agency_id,
        "to_agency_id": flow.to_agency_id,
        "to_role": flow.to_role,
        "data_categories": list(flow.data_categories),
        "trigger": flow.trigger,
        "legal_basis": flow.legal_basis.value if flow.legal_basis else None,
        "statute_citation": flow.statute_citation,
        "consent_required": flow.consent_required,
        "certification_required": flow.certification_required,
        "procedure_id": flow.procedure_id,
        "notes": flow.notes,
    }


def delete_flow(
    session: Session, membership: Membership, flow: InformationFlow, now: datetime
) -> None:
    """Remove a row from the matrix (the audit trail keeps what it said)."""
    require_allowed(
        membership, Action.FLOW_EDIT, flow, "Members remove only their own agency's flows."
    )
    record(
        session,
        membership.user,
        "flow.deleted",
        flow,
        f"Removed the flow from {flow.from_agency.organization.name} to {flow.recipient}",
        now,
        partnership_id=flow.partnership_id,
        details=_flow_snapshot(flow),
    )
    session.delete(flow)


@dataclass
class MatrixGrid:
    """Flows arranged by sending agency (rows) and receiving agency (columns)."""

    agencies: list[PartnerAgency]
    cells: dict[tuple[int, int | None], list[InformationFlow]]

    def cell(self, from_id: int, to_id: int | None) -> list[InformationFlow]:
        """Flows from one agency to another (`to_id` None: to a role only)."""
        return self.cells.get((from_id, to_id), [])

    @property
    def has_role_flows(self) -> bool:
        return any(to_id is None for _, to_id in self.cells)

    @property
    def rows(self) -> list[GridRow]:
        """Each sending agency's row, its cells in the columns' order. The grid has a cell
        for every pair of agencies (400 at 20 agencies): the page walks these lists instead
        of calling back into the grid and reading two agencies' ids for each cell."""
        ids = [agency.id for agency in self.agencies]
        return [
            GridRow(
                sender,
                [(sender_id == to_id, self.cell(sender_id, to_id)) for to_id in ids],
                self.cell(sender_id, None),
            )
            for sender, sender_id in zip(self.agencies, ids, strict=True)
        ]


@dataclass(frozen=True)
class GridRow:
    sender: PartnerAgency
    cells: list[tuple[bool, list[InformationFlow]]]  # (to the sender itself, the flows)
    to_roles: list[InformationFlow]


def matrix_grid(flows: list[InformationFlow], agencies: list[PartnerAgency]) -> MatrixGrid:
    """The grid view of the matrix; agencies that left still show while their flows remain."""
    cells: dict[tuple[int, int | None], list[InformationFlow]] = {}
    shown = {a.id: a for a in agencies}
    for flow in flows:
        cells.setdefault((flow.from_agency_id, flow.to_agency_id), []).append(flow)
        for agency in (flow.from_agency, flow.to_agency):
            if agency is not None:
                shown.setdefault(agency.id, agency)
    ordered = sorted(shown.values(), key=lambda a: (a.organization.sector.value, a.id))
    return MatrixGrid(ordered, cells)


CSV_HEADER = (
    "From agency",
    "From sector",
    "To agency",
    "To role",
    "Information",
    "When",
    "Legal basis",
    "Statute citation",
    "Consent needed",
    "Certification needed",
    "Governing procedure",
    "Gaps",
    "Notes",
)


def flows_csv(flows: list[InformationFlow]) -> str:
    """The matrix as CSV, safe to open in a spreadsheet."""
    rows = (
        (
            flow.from_agency.organization.name,
            flow.from_agency.organization.sector_display,
            flow.to_agency.organization.name if flow.to_agency else "",
            flow.to_role,
            "; ".join(c.label for c in flow.categories),
            flow.trigger,
            flow.legal_basis.label if flow.legal_basis else "",
            flow.statute_citation,
            "yes" if flow.consent_required else "no",
            "yes" if flow.certification_required else "no",
            flow.procedure.title if flow.procedure else "",
            "; ".join(flow.gaps),
            flow.notes,
        )
        for flow in flows
    )
    return csv_text(CSV_HEADER, rows)


# --- stage checks and what falls due ---


def _flows_for_checks(session: Session, partnership_id: int) -> list[Row]:
    """Each flow's legal basis and citation, and the procedure it names with its title and
    whether it is in force (not retired, an approved version), as plain rows in one
    statement the two checks share."""
    return shared(
        session,
        ("flows for checks", partnership_id),
        lambda: read_rows(session, _flows_for_checks_query(), {"id": partnership_id}).all(),
    )


@cache
def _flows_for_checks_query() -> Select:
    # built once: a relationship's `.any()` costs more to build than to run
    in_force = Procedure.retired_at.is_(None) & Procedure.versions.any(
        ProcedureVersion.status == ProcedureStatus.APPROVED
    )
    return (
        select(
            InformationFlow.legal_basis,
            InformationFlow.statute_citation,
            InformationFlow.procedure_id,
            Procedure.title,
            in_force.label("in_force"),
        )
        .outerjoin(Procedure, Procedure.id == InformationFlow.procedure_id)
        .where(InformationFlow.partnership_id == bindparam("id"))
        .order_by(InformationFlow.from_agency_id, InformationFlow.id)
    )


def legal_basis_check(session: Session, partnership: Partnership, today: date) -> CheckResult:
    """Plan → Act: every flow of the matrix rests on a legal basis (a cited one for statutes)."""
    flows = _flows_for_checks(session, partnership.id)
    if not flows:
        return CheckResult(False, "The sharing matrix has no flows yet.")
    lacking = [f for f in flows if not rests_on_legal_basis(f.legal_basis, f.statute_citation)]
    if lacking:
        return CheckResult(False, f"{len(lacking)} of {len(flows)} flows lack a legal basis.")
    return CheckResult(True, f"All {len(flows)} flows have a legal basis.")


def approved_procedures_check(
    session: Session, partnership: Partnership, today: date
) -> CheckResult:
    """Plan → Act: every flow names a procedure, and each procedure named is approved."""
    rows = _flows_for_checks(session, partnership.id)
    if not rows:
        return CheckResult(False, "The sharing matrix has no flows yet.")
    unnamed = sum(1 for row in rows if row.procedure_id is None)
    named = {row.procedure_id for row in rows} - {None}
    named_unapproved = {
        row.procedure_id: row.title
        for row in rows
        if row.procedure_id is not None and not row.in_force
    }
    unapproved = sorted(named_unapproved.values())
    problems = []
    if unnamed:
        problems.append(f"{unnamed} of {len(rows)} flows name no procedure")
    if unapproved:
        problems.append("not yet approved: " + ", ".join(f"“{t}”" for t in unapproved))
    if problems:
        detail = "; ".join(problems)
        return CheckResult(False, detail[0].upper() + detail[1:] + ".")
    return CheckResult(True, f"All {len(named)} procedures the matrix names are approved.")
