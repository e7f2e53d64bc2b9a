"""The procedure review cycle: every transition, who may make it, and dates at their edges."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from partnerhub.audit.models import AuditEvent
from partnerhub.errors import Conflict, DomainError, InvalidTransition, PermissionDenied
from partnerhub.procedures import services
from partnerhub.procedures.models import LegalBasis, ProcedureStatus
from partnerhub.procedures.services import ProcedureText

NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


def text(body="Share attendance weekly.", summary="First version", **kwargs) -> ProcedureText:
    return ProcedureText(
        title=kwargs.pop("title", "Attendance sharing"),
        body_markdown=body,
        change_summary=summary,
        legal_bases=kwargs.pop("legal_bases", [LegalBasis.FERPA_CONSENT]),
        **kwargs,
    )


def started(db, table, now=NOW, **kwargs):
    """A procedure the school owns, submitted for review."""
    owner = table.liaisons[table.school.id]
    procedure = services.create_procedure(db, owner, table.school.id, text(**kwargs), now)
    services.submit_for_review(db, owner, procedure, now)
    return procedure


def sign_all(db, table, procedure, now=NOW, skip=()):
    version = procedure.latest_version
    for agency in table.agencies:
        if agency.id not in skip:
            services.sign_off(db, table.liaisons[agency.id], procedure, version, agency.id, now)
    return version


def actions(db) -> list[str]:
    return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_owning_agency_member_creates_a_draft_first_version(db, table):
    member = table.staff[table.school.id]
    procedure = services.create_procedure(db, member, table.school.id, text(), NOW)
    db.commit()
    assert procedure.status is ProcedureStatus.DRAFT
    assert [v.number for v in procedure.versions] == [1]
    assert procedure.latest_version.author_id == member.user_id
    assert procedure.next_review_on is None
    assert actions(db) == ["procedure.created"]


def test_member_cannot_create_a_procedure_for_another_agency(db, table):
    with pytest.raises(PermissionDenied):
        services.create_procedure(db, table.staff[table.police.id], table.school.id, text(), NOW)
    with pytest.raises(PermissionDenied):
        services.create_procedure(db, table.observer, table.school.id, text(), NOW)
    procedure = services.create_procedure(db, table.facilitator, table.school.id, text(), NOW)
    assert procedure.owning_agency_id == table.school.id


def test_submit_moves_draft_to_review_once(db, table):
    procedure = started(db, table)
    version = procedure.latest_version
    assert version.status is ProcedureStatus.IN_REVIEW
    assert version.submitted_at == NOW
    with pytest.raises(InvalidTransition):
        services.submit_for_review(db, table.facilitator, procedure, NOW)


def test_member_of_another_agency_cannot_submit(db, table):
    owner = table.liaisons[table.school.id]
    procedure = services.create_procedure(db, owner, table.school.id, text(), NOW)
    with pytest.raises(PermissionDenied):
        services.submit_for_review(db, table.liaisons[table.police.id], procedure, NOW)


def test_last_sign_off_approves_and_sets_the_review_date(db, table):
    procedure = started(db, table)
    version = sign_all(db, table, procedure, skip={table.health.id})
    assert version.status is ProcedureStatus.IN_REVIEW
    assert [a.id for a in services.pending_agencies(version, table.agencies)] == [table.health.id]
    services.sign_off(
        db, table.alternates[table.health.id], procedure, version, table.health.id, NOW
    )
    db.commit()
    assert version.status is ProcedureStatus.APPROVED
    assert version.approved_at == NOW
    assert version.effective_on == date(2026, 11, 23)
    assert procedure.next_review_on == date(2027, 11, 23)
    assert procedure.effective_version is version
    assert actions(db)[-2:] == ["procedure.signed_off", "procedure.approved"]


def test_only_liaison_or_alternate_signs_for_an_agency(db, table):
    procedure = started(db, table)
    version = procedure.latest_version
    with pytest.raises(PermissionDenied):  # represents the school but is not its liaison
        services.sign_off(db, table.staff[table.school.id], procedure, version, None, NOW)
    with pytest.raises(PermissionDenied):  # a facilitator does not sign for agencies
        services.sign_off(db, table.facilitator, procedure, version, table.school.id, NOW)
    with pytest.raises(PermissionDenied):  # the police liaison does not sign for the school
        services.sign_off(
            db, table.liaisons[table.police.id], procedure, version, table.school.id, NOW
        )
    with pytest.raises(PermissionDenied):
        services.sign_off(db, table.observer, procedure, version, None, NOW)
    assert version.sign_offs == []


def test_without_a_named_liaison_the_agencys_representative_signs(db, table):
    table.health.liaison_id = table.health.alternate_id = None
    procedure = started(db, table)
    signature = services.sign_off(
        db, table.staff[table.health.id], procedure, procedure.latest_version, None, NOW
    )
    assert signature.partner_agency_id == table.health.id


def test_an_agency_signs_a_version_once(db, table):
    procedure = started(db, table)
    version = procedure.latest_version
    services.sign_off(db, table.liaisons[table.police.id], procedure, version, None, NOW)
    with pytest.raises(Conflict):
        services.sign_off(
            db, table.alternates[table.police.id], procedure, version, table.police.id, NOW
        )


def test_an_agency_that_left_is_not_waited_for(db, table):
    table.health.left_on = date(2026, 11, 1)
    procedure = started(db, table)
    version = sign_all(db, table, procedure, skip={table.health.id})
    assert version.status is ProcedureStatus.APPROVED


def test_draft_cannot_be_signed(db, table):
    owner = table.liaisons[table.school.id]
    procedure = services.create_procedure(db, owner, table.school.id, text(), NOW)
    with pytest.raises(InvalidTransition):
        services.sign_off(db, owner, procedure, procedure.latest_version, None, NOW)


def test_request_changes_sends_back_to_draft_and_sign_offs_stop_counting(db, table):
    procedure = started(db, table)
    version = sign_all(db, table, procedure, skip={table.health.id})
    critic = table.staff[table.health.id]
    with pytest.raises(DomainError):
        services.request_changes(db, critic, procedure, version, "   ", NOW)
    services.request_changes(db, critic, procedure, version, "Name the records officer.", NOW)
    db.commit()
    assert version.status is ProcedureStatus.DRAFT
    assert len(version.sign_offs) == 2  # kept as history
    assert version.counting_sign_offs == []
    assert len(services.pending_agencies(version, table.agencies)) == 3
    assert version.change_requests[0].comment == "Name the records officer."
    with pytest.raises(InvalidTransition):
        services.submit_for_review(db, table.facilitator, procedure, NOW)
    with pytest.raises(InvalidTransition):
        services.request_changes(db, critic, procedure, version, "Again", NOW)


def test_observer_cannot_request_changes(db, table):
    procedure = started(db, table)
    with pytest.raises(PermissionDenied):
        services.request_changes(db, table.observer, procedure, procedure.latest_version, "No", NOW)


def test_edit_after_changes_requested_starts_a_new_version_and_sign_offs_over(db, table):
    procedure = started(db, table)
    first = sign_all(db, table, procedure, skip={table.health.id})
    services.request_changes(db, table.facilitator, procedure, first, "Add a contact.", NOW)
    owner = table.liaisons[table.school.id]
    revised = text("Share attendance weekly.\nContact: records office.", "Contact")
    second = services.revise_procedure(db, owner, procedure, revised, NOW)
    assert first.status is ProcedureStatus.SUPERSEDED
    assert second.number == 2 and second.status is ProcedureStatus.DRAFT
    services.submit_for_review(db, owner, procedure, NOW)
    assert services.pending_agencies(second, table.agencies) == table.agencies
    sign_all(db, table, procedure)
    assert second.status is ProcedureStatus.APPROVED
    assert len(first.sign_offs) == 2


def test_editing_an_approved_procedure_keeps_it_in_force_until_the_new_one_is_approved(db, table):
    procedure = started(db, table)
    first = sign_all(db, table, procedure)
    owner = table.staff[table.school.id]
    later = datetime(2027, 1, 10, 15, 0, tzinfo=UTC)
    second = services.revise_procedure(
        db, owner, procedure, text("Share attendance daily.", "Daily, not weekly"), later
    )
    assert first.status is ProcedureStatus.APPROVED
    assert procedure.effective_version is first
    assert procedure.status is ProcedureStatus.DRAFT
    services.submit_for_review(db, owner, procedure, later)
    sign_all(db, table, procedure, now=later)
    db.commit()
    assert first.status is ProcedureStatus.SUPERSEDED and first.superseded_at == later
    assert first.body_markdown == "Share attendance weekly."  # never lost
    assert second.status is ProcedureStatus.APPROVED
    assert procedure.effective_version is second
    assert procedure.next_review_on == date(2028, 1, 10)


def test_an_edit_replacing_a_version_in_review_supersedes_it(db, table):
    procedure = started(db, table)
    first = procedure.latest_version
    services.sign_off(db, table.liaisons[table.police.id], procedure, first, None, NOW)
    second = services.revise_procedure(
        db, table.facilitator, procedure, text("Share weekly, by secure email.", "Channel"), NOW
    )
    assert first.status is ProcedureStatus.SUPERSEDED
    assert second.sign_offs == []
    with pytest.raises(InvalidTransition):
        services.sign_off(db, table.liaisons[table.health.id], procedure, first, None, NOW)


def test_an_edit_must_change_something_and_say_what(db, table):
    procedure = started(db, table)
    with pytest.raises(DomainError):
        services.revise_procedure(db, table.facilitator, procedure, text(summary="Same"), NOW)
    with pytest.raises(DomainError):
        services.revise_procedure(db, table.facilitator, procedure, text("New", " "), NOW)


def test_member_of_another_agency_cannot_edit(db, table):
    procedure = started(db, table)
    with pytest.raises(PermissionDenied):
        services.revise_procedure(
            db, table.liaisons[table.police.id], procedure, text("Mine now", "Take over"), NOW
        )


def test_effective_date_is_the_partnerships_local_date(db, table):
    # 05:30 UTC on 1 March is still 28 February in Helena (America/Denver, UTC-7).
    late_evening = datetime(2026, 3, 1, 5, 30, tzinfo=UTC)
    procedure = started(db, table, now=late_evening)
    version = sign_all(db, table, procedure, now=late_evening)
    assert version.effective_on == date(2026, 2, 28)
    assert procedure.next_review_on == date(2027, 2, 28)


def test_effective_date_in_a_zone_ahead_of_utc(db, table):
    table.partnership.timezone = "Pacific/Auckland"
    evening_utc = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)  # already 1 January in Auckland
    procedure = started(db, table, now=evening_utc, review_cadence_months=1)
    version = sign_all(db, table, procedure, now=evening_utc)
    assert version.effective_on == date(2027, 1, 1)
    assert procedure.next_review_on == date(2027, 2, 1)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 11, 23), 6, date(2027, 5, 23)),
    ],
)
def test_review_date_after_clamps_to_the_end_of_the_month(start, months, expected):
    assert services.review_date_after(start, months) == expected


def test_due_for_review_includes_the_due_date_itself(db, table, make):
    due_today = make.procedure(table.school, "Due today", next_review_on=date(2026, 11, 23))
    overdue = make.procedure(table.police, "Overdue", next_review_on=date(2026, 1, 1))
    make.procedure(table.health, "Due tomorrow", next_review_on=date(2026, 11, 24))
    make.procedure(table.health, "Never approved")
    retired = make.procedure(table.school, "Retired", next_review_on=date(2026, 1, 1))
    retired.retired_at = NOW
    db.commit()
    due = services.procedures_due_for_review(db, date(2026, 11, 23))
    assert due == [overdue, due_today]
    assert services.procedures_due_for_review(db, date(2026, 11, 22)) == [overdue]


def test_due_for_review_filters_by_partnership(db, table, make):
    other = make.partnership(make.user(), name="Grossmont")
    theirs = make.procedure(make.agency(other), next_review_on=date(2026, 1, 1))
    ours = make.procedure(table.school, next_review_on=date(2026, 1, 1))
    db.commit()
    today = date(2026, 11, 23)
    assert services.procedures_due_for_review(db, today, [other.id]) == [theirs]
    assert services.procedures_due_for_review(db, today, [table.partnership.id]) == [ours]
    assert services.procedures_due_for_review(db, today, []) == []


def test_recording_a_review_moves_the_next_review_on(db, table):
    procedure = started(db, table)
    sign_all(db, table, procedure)
    review_time = datetime(2027, 11, 24, 3, 0, tzinfo=UTC)  # 23 November in Helena
    next_review = services.record_review(
        db, table.liaisons[table.school.id], procedure, review_time
    )
    assert procedure.last_reviewed_on == date(2027, 11, 23)
    assert next_review == procedure.next_review_on == date(2028, 11, 23)
    assert actions(db)[-1] == "procedure.reviewed"


def test_a_procedure_never_approved_cannot_be_reviewed(db, table):
    procedure = started(db, table)
    with pytest.raises(InvalidTransition):
        services.record_review(db, table.facilitator, procedure, NOW)


def test_retiring_keeps_every_version_and_stops_reviews(db, table):
    procedure = started(db, table)
    first = sign_all(db, table, procedure)
    second = services.revise_procedure(
        db, table.facilitator, procedure, text("Replaced by the county protocol.", "Retire"), NOW
    )
    services.retire_procedure(db, table.facilitator, procedure, NOW)
    assert procedure.status is ProcedureStatus.RETIRED
    assert first.status is ProcedureStatus.RETIRED
    assert second.status is ProcedureStatus.SUPERSEDED
    assert procedure.next_review_on is None
    with pytest.raises(InvalidTransition):
        services.revise_procedure(db, table.facilitator, procedure, text("x", "y"), NOW)
    with pytest.raises(InvalidTransition):
        services.retire_procedure(db, table.facilitator, procedure, NOW)


def test_signed_text_and_sign_offs_cannot_be_rewritten(db, table):
    from partnerhub.procedures.models import AppendOnlyViolation

    procedure = started(db, table)
    version = sign_all(db, table, procedure)
    signature = version.sign_offs[0]
    db.commit()
    version.body_markdown = "Share everything."
    with pytest.raises(AppendOnlyViolation):
        db.flush()
    db.rollback()
    signature.membership_id = table.facilitator.id
    with pytest.raises(AppendOnlyViolation):
        db.flush()
    db.rollback()
    db.delete(signature)
    with pytest.raises(AppendOnlyViolation):
        db.flush()
    db.rollback()
    version.status = ProcedureStatus.SUPERSEDED  # workflow state may move
    db.flush()


def test_a_facilitator_records_several_agencies_sign_offs_on_their_behalf(db, table):
    procedure = started(db, table)
    version = procedure.latest_version
    recorded = services.record_sign_offs(
        db, table.facilitator, procedure, version, [table.school.id, table.police.id], NOW
    )
    db.commit()
    assert [(s.partner_agency_id, s.on_behalf) for s in recorded] == [
        (table.school.id, True),
        (table.police.id, True),
    ]
    summaries = db.scalars(
        select(AuditEvent.summary).where(AuditEvent.action == "procedure.signed_off")
    ).all()
    name = table.facilitator.user.name
    assert summaries == [
        f"Sign-off of version 1 of “Attendance sharing” recorded by {name} on behalf of "
        + agency.organization.name
        for agency in (table.school, table.police)
    ]
    with pytest.raises(Conflict):  # signed already
        services.record_sign_offs(db, table.facilitator, procedure, version, [table.school.id], NOW)


def test_only_facilitators_record_sign_offs_for_agencies_they_do_not_sign_for(db, table):
    procedure = started(db, table)
    version = procedure.latest_version
    with pytest.raises(PermissionDenied):
        services.record_sign_offs(
            db, table.liaisons[table.police.id], procedure, version, [table.school.id], NOW
        )
    with pytest.raises(DomainError):
        services.record_sign_offs(db, table.facilitator, procedure, version, [], NOW)
    [own] = services.record_sign_offs(
        db, table.liaisons[table.police.id], procedure, version, [table.police.id], NOW
    )
    assert not own.on_behalf


def test_the_last_sign_off_recorded_on_behalf_approves(db, table):
    procedure = started(db, table)
    version = procedure.latest_version
    services.record_sign_offs(
        db, table.facilitator, procedure, version, [a.id for a in table.agencies], NOW
    )
    assert version.status is ProcedureStatus.APPROVED
