"""The sharing matrix: who may add and change flows, what the law adds, and what counts as a gap."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from partnerhub.audit.models import AuditEvent
from partnerhub.errors import DomainError, NotFound, PermissionDenied
from partnerhub.procedures import services
from partnerhub.procedures.models import DataCategory, InformationFlow, LegalBasis
from partnerhub.procedures.services import FlowData

NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


def data(table, **fields) -> FlowData:
    fields.setdefault("from_agency_id", table.school.id)
    fields.setdefault("to_agency_id", table.police.id)
    fields.setdefault("data_categories", [DataCategory.ATTENDANCE])
    return FlowData(**fields)


def test_member_adds_a_flow_from_their_own_agency(db, table):
    flow = services.add_flow(db, table.staff[table.school.id], data(table), NOW)
    db.commit()
    assert flow.from_agency_id == table.school.id
    assert flow.recipient == "Helena Police Department"
    event = db.scalars(select(AuditEvent)).one()
    assert (event.action, event.object_id) == ("flow.created", flow.id)


def test_member_cannot_add_a_flow_from_another_agency(db, table):
    with pytest.raises(PermissionDenied):
        services.add_flow(db, table.staff[table.police.id], data(table), NOW)
    with pytest.raises(PermissionDenied):
        services.add_flow(db, table.observer, data(table), NOW)
    assert services.add_flow(db, table.facilitator, data(table), NOW).id


def test_member_cannot_edit_or_move_another_agencys_flow(db, table, make):
    flow = make.flow(table.police, table.school)
    police_member = table.staff[table.police.id]
    with pytest.raises(PermissionDenied):
        services.update_flow(db, table.staff[table.school.id], flow, data(table), NOW)
    with pytest.raises(PermissionDenied):  # would hand the flow to the school
        services.update_flow(db, police_member, flow, data(table), NOW)
    with pytest.raises(PermissionDenied):
        services.delete_flow(db, table.staff[table.school.id], flow, NOW)
    moved = data(table, from_agency_id=table.police.id, to_agency_id=table.health.id)
    services.update_flow(db, police_member, flow, moved, NOW)
    assert flow.to_agency_id == table.health.id
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "flow.updated")).one()
    assert event.details["changed"]["to_agency_id"] == [table.school.id, table.health.id]


def test_the_legal_basis_decides_whether_consent_or_certification_is_needed(db, table):
    consent = services.add_flow(
        db, table.facilitator, data(table, legal_basis=LegalBasis.PART2_CONSENT), NOW
    )
    certified = services.add_flow(
        db, table.facilitator, data(table, legal_basis=LegalBasis.FERPA_JUVENILE_JUSTICE), NOW
    )
    emergency = services.add_flow(
        db,
        table.facilitator,
        data(table, legal_basis=LegalBasis.FERPA_HEALTH_SAFETY_EMERGENCY),
        NOW,
    )
    assert (consent.consent_required, consent.certification_required) == (True, False)
    assert (certified.consent_required, certified.certification_required) == (False, True)
    assert (emergency.consent_required, emergency.certification_required) == (False, False)
    assert LegalBasis.FERPA_JUVENILE_JUSTICE.needs_consent_or_certification
    assert not LegalBasis.HIPAA_TPO.needs_consent_or_certification


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"to_agency_id": None}, "receiving agency"),
        ({"to_agency_id": "school"}, "another agency"),
        ({"data_categories": []}, "at least one"),
    ],
)
def test_a_flow_needs_a_recipient_and_information(db, table, fields, message):
    if fields.get("to_agency_id") == "school":
        fields["to_agency_id"] = table.school.id
    with pytest.raises(DomainError, match=message):
        services.add_flow(db, table.facilitator, data(table, **fields), NOW)


def test_a_flow_to_a_role_needs_no_agency(db, table):
    to_role = data(table, to_agency_id=None, to_role="School Resource Officer")
    flow = services.add_flow(db, table.facilitator, to_role, NOW)
    assert flow.recipient == "School Resource Officer"


def test_agencies_and_procedures_of_another_partnership_are_refused(db, table, make):
    other = make.partnership(make.user(), name="Grossmont")
    their_agency = make.agency(other)
    their_procedure = make.procedure(their_agency)
    with pytest.raises(NotFound):
        services.add_flow(db, table.facilitator, data(table, to_agency_id=their_agency.id), NOW)
    with pytest.raises(NotFound):
        services.add_flow(db, table.facilitator, data(table, procedure_id=their_procedure.id), NOW)
    assert db.scalars(select(InformationFlow)).all() == []


def test_gaps_name_what_a_flow_lacks(db, table, make):
    procedure = make.procedure(table.school)
    complete = make.flow(table.school, table.police, procedure_id=procedure.id)
    bare = make.flow(table.school, table.police, legal_basis=None)
    uncited = make.flow(
        table.police, table.school, legal_basis=LegalBasis.STATE_STATUTE, procedure_id=procedure.id
    )
    cited = make.flow(
        table.police,
        table.school,
        legal_basis=LegalBasis.STATE_STATUTE,
        statute_citation="MCA 52-2-211",
        procedure_id=procedure.id,
    )
    assert complete.gaps == [] and cited.gaps == []
    assert bare.gaps == ["No legal basis", "No governing procedure"]
    assert uncited.gaps == ["State statute without a citation"]


def test_deleting_a_flow_is_audited_with_what_it_said(db, table, make):
    flow = make.flow(table.school, table.police, trigger="Third unexcused absence")
    flow_id = flow.id
    services.delete_flow(db, table.staff[table.school.id], flow, NOW)
    db.commit()
    assert db.get(InformationFlow, flow_id) is None
    event = db.scalars(select(AuditEvent)).one()
    assert event.action == "flow.deleted"
    assert event.details["trigger"] == "Third unexcused absence"


def test_the_grid_puts_each_flow_in_its_senders_row_and_its_receivers_column(db, table, make):
    to_police = make.flow(table.school, table.police)
    to_school = make.flow(table.health, table.school)
    to_a_role = make.flow(table.police, None, to_role="Probation officer")
    agencies = services.active_agencies(db, table.partnership.id)
    grid = services.matrix_grid(services.partnership_flows(db, table.partnership.id), agencies)
    columns = [agency.id for agency in grid.agencies]
    cells = {
        (row.sender.id, to_id): (same, list(flows))
        for row in grid.rows
        for to_id, (same, flows) in zip(columns, row.cells, strict=True)
    }
    assert cells[table.school.id, table.police.id] == (False, [to_police])
    assert cells[table.health.id, table.school.id] == (False, [to_school])
    assert cells[table.school.id, table.school.id] == (True, [])
    assert cells[table.police.id, table.school.id] == (False, [])
    assert grid.has_role_flows
    assert {row.sender.id: row.to_roles for row in grid.rows} == {
        table.school.id: [],
        table.police.id: [to_a_role],
        table.health.id: [],
    }
