"""What the procedures module adds to partnership pages: tabs, stage checks, panel, attention."""

from __future__ import annotations

from datetime import date

from partnerhub.partnerships.models import Stage
from partnerhub.partnerships.registry import registry
from partnerhub.procedures.models import LegalBasis
from partnerhub.procedures.views import attention, overview_panel

TODAY = date(2026, 11, 23)


def check(key):
    return next(c for c in registry.checks if c.key == key)


def test_tabs_and_plan_checks_are_registered(app):
    endpoints = {t.endpoint: t.label for t in registry.tabs}
    assert endpoints["procedures.matrix"] == "Sharing matrix"
    assert endpoints["procedures.index"] == "Procedures"
    assert check("matrix_legal_basis").stage is Stage.PLAN
    assert check("matrix_procedures_approved").stage is Stage.PLAN


def test_legal_basis_check_needs_flows_each_with_a_cited_basis(db, make, table):
    legal = check("matrix_legal_basis").compute
    assert not legal(db, table.partnership, TODAY).done  # an empty matrix proves nothing
    make.flow(table.school, table.police)
    uncited = make.flow(table.police, table.school, legal_basis=LegalBasis.STATE_STATUTE)
    result = legal(db, table.partnership, TODAY)
    assert not result.done and result.detail == "1 of 2 flows lack a legal basis."
    uncited.statute_citation = "MCA 41-5-215"
    assert legal(db, table.partnership, TODAY).done


def test_procedures_check_needs_every_named_procedure_approved(db, make, table):
    approved_check = check("matrix_procedures_approved").compute
    draft = make.procedure(table.school, "Attendance sharing")
    approved = make.procedure(table.police, "Police contact notices", status="approved")
    make.flow(table.police, table.school, procedure_id=approved.id)
    flow = make.flow(table.school, table.police, procedure_id=draft.id)
    unnamed = make.flow(table.health, table.school)
    db.commit()
    result = approved_check(db, table.partnership, TODAY)
    assert not result.done
    assert (
        result.detail == "1 of 3 flows name no procedure; not yet approved: “Attendance sharing”."
    )
    unnamed.procedure_id = flow.procedure_id = approved.id
    db.commit()
    assert approved_check(db, table.partnership, TODAY).done


def test_panel_lists_awaiting_sign_off_and_reviews_due_within_a_month(db, make, table):
    in_review = make.procedure(table.school, "Attendance sharing", status="in_review")
    due = make.procedure(
        table.police, "Police notices", status="approved", next_review_on=date(2026, 12, 23)
    )
    make.procedure(table.health, "Later", status="approved", next_review_on=date(2026, 12, 24))
    db.commit()
    context = overview_panel(db, table.partnership, TODAY)
    [(procedure, version, waiting)] = context["awaiting_sign_off"]
    assert procedure.id == in_review.id and version.number == 1
    assert [a.id for a in waiting] == [a.id for a in table.agencies]
    assert [p.id for p in context["reviews_due"]] == [due.id]


def test_attention_is_batched_across_partnerships(app, db, make, table, count_queries):
    other = make.partnership(make.user(), name="Grossmont")
    make.procedure(table.school, "Overdue", status="approved", next_review_on=date(2026, 11, 22))
    make.procedure(table.police, "Due today", status="approved", next_review_on=TODAY)
    make.procedure(make.agency(other), "Theirs", status="in_review")
    make.procedure(table.health, "Awaiting", status="in_review")
    db.commit()
    ids = [table.partnership.id, other.id]
    with app.test_request_context(), count_queries() as queries:
        items = attention(db, ids, TODAY)
    by_label = {item.label.split(":")[0]: item for item in items}
    assert by_label["Review overdue"].severity == "danger"
    assert by_label["Review due"].severity == "warning"
    assert by_label["Review due"].due == TODAY
    awaiting = [i for i in items if "awaits sign-off" in i.label]
    assert {i.partnership_id for i in awaiting} == set(ids)
    assert any("Western Montana Mental Health" in i.label for i in awaiting)
    assert len(queries) <= 5


def test_attention_tells_a_liaison_their_sign_off_is_needed(app, db, make, table):
    make.procedure(table.school, "Awaiting", status="in_review")
    db.commit()
    police_liaison = table.liaisons[table.police.id].user
    with app.test_request_context():
        from flask_login import login_user

        login_user(police_liaison)
        [item] = attention(db, [table.partnership.id], TODAY)
    assert item.label == ("Your sign-off is needed for Helena Police Department: “Awaiting” v1")
    assert item.severity == "info" and item.badge == "attention"
