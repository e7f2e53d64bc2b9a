"""The procedures pages: forms, flows of work through the web, escaping, query counts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from partnerhub.procedures import services
from partnerhub.procedures.models import (
    InformationFlow,
    LegalBasis,
    Procedure,
    ProcedureStatus,
    ProcedureVersion,
    SignOff,
)
from tests.clock import NOW, TODAY
from tests.procedures.test_status import started

XSS_BODY = """# Steps

<script>alert('body')</script>

<img src=x onerror="alert('img')">

[click me](javascript:alert('link')) and [the statute](https://leg.mt.gov/)

<a href="https://evil.example" onclick="alert('a')">raw link</a>
"""


def url(table, path=""):
    return f"/partnerships/{table.partnership.id}{path}"


def test_matrix_pages_show_flows_and_flag_gaps(client, login_as, make, db, table):
    procedure = make.procedure(table.school, "Attendance sharing")
    make.flow(table.school, table.police, procedure_id=procedure.id, trigger="Weekly")
    make.flow(table.police, None, legal_basis=None, to_role="Probation officer")
    db.commit()
    login_as(table.observer.user)
    grid = client.get(url(table, "/matrix")).get_data(as_text=True)
    assert "Helena Police Department" in grid and "Law enforcement" in grid
    assert "1 of 2 flows have gaps" in grid
    listing = client.get(url(table, "/matrix/list")).get_data(as_text=True)
    assert "Gap: No legal basis" in listing and "Probation officer" in listing
    assert "Attendance sharing" in listing
    assert "Add a flow" not in listing  # observers read only


def test_empty_matrix_says_how_to_start(client, login_as, table):
    login_as(table.staff[table.school.id].user)
    page = client.get(url(table, "/matrix")).get_data(as_text=True)
    assert "No flows of information are recorded yet" in page
    assert "Add a flow" in page


def test_csv_export_neutralises_formulas(client, login_as, make, db, table):
    make.flow(
        table.school,
        table.police,
        trigger='=HYPERLINK("http://evil.example","x")',
        notes="@SUM(A1:A2)",
        to_role="-2+3",
    )
    db.commit()
    login_as(table.observer.user)
    response = client.get(url(table, "/matrix.csv"))
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, row = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    record = dict(zip(header, row, strict=True))
    assert record["When"] == '\'=HYPERLINK("http://evil.example","x")'
    assert record["Notes"] == "'@SUM(A1:A2)"
    assert record["To role"] == "'-2+3"
    assert record["From sector"] == "Schools"
    assert record["Gaps"] == "No governing procedure"


def test_flow_form_keeps_input_and_explains_errors(client, login_as, db, table):
    login_as(table.staff[table.school.id].user)
    response = client.post(
        url(table, "/matrix/flows/new"),
        data={"from_agency_id": table.school.id, "to_role": "", "trigger": "Third absence"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose at least one kind of information." in page
    assert "Third absence" in page
    response = client.post(
        url(table, "/matrix/flows/new"),
        data={"from_agency_id": table.school.id, "data_categories": ["attendance"]},
    )
    assert "Name the receiving agency, a role, or both." in response.get_data(as_text=True)
    assert db.scalars(select(InformationFlow)).all() == []


def test_member_adds_a_flow_only_from_their_agency(client, login_as, db, table):
    login_as(table.staff[table.school.id].user)
    form = client.get(url(table, "/matrix/flows/new")).get_data(as_text=True)
    assert (
        f'<option value="{table.police.id}">Helena Police Department (Law enforcement)' in form
    )  # receiver
    refused = client.post(
        url(table, "/matrix/flows/new"),
        data={
            "from_agency_id": table.police.id,
            "to_agency_id": table.school.id,
            "data_categories": ["police_contact"],
        },
    )
    assert "Not a valid choice" in refused.get_data(as_text=True)
    response = client.post(
        url(table, "/matrix/flows/new"),
        data={
            "from_agency_id": table.school.id,
            "to_agency_id": table.police.id,
            "data_categories": ["attendance", "discipline"],
            "legal_basis": "ferpa_juvenile_justice",
            "trigger": "On a written request under the county protocol",
        },
    )
    assert response.status_code == 302
    flow = db.scalars(select(InformationFlow)).one()
    assert flow.data_categories == ["attendance", "discipline"]
    assert flow.legal_basis is LegalBasis.FERPA_JUVENILE_JUSTICE
    assert flow.certification_required


def test_flow_edit_and_delete_check_the_owner(client, login_as, make, db, table):
    flow = make.flow(table.police, table.school)
    db.commit()
    login_as(table.staff[table.school.id].user)
    assert client.get(url(table, f"/matrix/flows/{flow.id}/edit")).status_code == 403
    assert client.post(url(table, f"/matrix/flows/{flow.id}/delete")).status_code == 403
    login_as(table.staff[table.police.id].user)
    page = client.get(url(table, f"/matrix/flows/{flow.id}/edit")).get_data(as_text=True)
    assert 'value="ferpa_consent" selected' in page or 'selected value="ferpa_consent"' in page
    assert client.post(url(table, f"/matrix/flows/{flow.id}/delete")).status_code == 302
    assert db.scalars(select(InformationFlow)).all() == []


def test_ids_from_another_partnership_are_not_found(client, login_as, make, db, table):
    other = make.partnership(make.user(), name="Grossmont")
    their_agency = make.agency(other)
    their_flow = make.flow(their_agency)
    their_procedure = make.procedure(their_agency)
    db.commit()
    login_as(table.facilitator.user)
    assert client.get(url(table, f"/matrix/flows/{their_flow.id}/edit")).status_code == 404
    assert client.post(url(table, f"/matrix/flows/{their_flow.id}/delete")).status_code == 404
    assert client.get(url(table, f"/procedures/{their_procedure.id}")).status_code == 404
    assert client.post(url(table, f"/procedures/{their_procedure.id}/submit")).status_code == 404
    mine = make.procedure(table.school)
    db.commit()
    assert client.get(url(table, f"/procedures/{mine.id}/versions/7")).status_code == 404
    assert client.get(url(table, f"/procedures/{mine.id}/compare?from=1&to=9")).status_code == 404
    assert db.get(InformationFlow, their_flow.id) is not None


def test_a_procedure_goes_from_draft_to_approved_through_the_pages(client, login_as, db, table):
    login_as(table.liaisons[table.school.id].user)
    response = client.post(
        url(table, "/procedures/new"),
        data={
            "title": "Attendance sharing",
            "owning_agency_id": table.school.id,
            "body_markdown": "1. Check the release.\r\n2. Share the status.",
            "legal_bases": ["ferpa_consent"],
            "review_cadence_months": "12",
        },
    )
    procedure = db.scalars(select(Procedure)).one()
    assert response.headers["Location"].endswith(f"/procedures/{procedure.id}")
    base = url(table, f"/procedures/{procedure.id}")
    assert client.post(f"{base}/submit").status_code == 302
    for agency in table.agencies:
        login_as(table.liaisons[agency.id].user)
        page = client.get(base).get_data(as_text=True)
        assert f"Sign off for {agency.organization.name}" in page
        client.post(f"{base}/versions/1/sign-off", data={"agency_id": agency.id})
    db.expire_all()
    page = client.get(base).get_data(as_text=True)
    assert "Approved" in page and "in force from" in page
    version = db.scalars(select(ProcedureVersion)).one()
    assert version.status is ProcedureStatus.APPROVED


def test_refused_sign_off_is_explained_not_crashed(client, login_as, make, db, table):
    procedure = make.procedure(table.school, status="in_review")
    db.commit()
    login_as(table.facilitator.user)
    base = url(table, f"/procedures/{procedure.id}")
    response = client.post(
        f"{base}/versions/1/sign-off", data={"agency_id": table.school.id}, follow_redirects=True
    )
    assert "Only the liaison or alternate of Helena Public Schools" in response.get_data(
        as_text=True
    )
    assert client.post(f"{base}/versions/1/sign-off", data={"agency_id": "x"}).status_code == 302


def test_request_changes_needs_a_comment(client, login_as, make, db, table):
    procedure = make.procedure(table.school, status="in_review")
    db.commit()
    login_as(table.staff[table.police.id].user)
    base = url(table, f"/procedures/{procedure.id}")
    response = client.post(f"{base}/versions/1/request-changes", data={"comment": " "})
    assert response.status_code == 400
    assert "Say what should change." in response.get_data(as_text=True)
    response = client.post(
        f"{base}/versions/1/request-changes", data={"comment": "Name the records officer."}
    )
    assert response.status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert "Name the records officer." in page and "no longer count" in page


def test_member_of_another_agency_cannot_edit_the_procedure(client, login_as, make, db, table):
    procedure = make.procedure(table.school)
    db.commit()
    login_as(table.staff[table.police.id].user)
    base = url(table, f"/procedures/{procedure.id}")
    assert client.get(f"{base}/edit").status_code == 403
    assert "Edit (new version)" not in client.get(base).get_data(as_text=True)
    login_as(table.staff[table.school.id].user)
    edit = client.get(f"{base}/edit").get_data(as_text=True)
    assert "Check the release form." in edit  # the current text to start from


def test_edit_makes_a_new_version_and_bad_input_is_kept(client, login_as, make, db, table):
    procedure = make.procedure(table.school, status="approved")
    db.commit()
    login_as(table.staff[table.school.id].user)
    base = url(table, f"/procedures/{procedure.id}")
    data = {
        "title": procedure.title,
        "body_markdown": "Share daily.",
        "review_cadence_months": "0",
        "change_summary": "",
    }
    page = client.post(f"{base}/edit", data=data).get_data(as_text=True)
    assert "Between 1 and 60 months." in page and "Say what changed" in page
    assert "Share daily." in page
    data.update(review_cadence_months="6", change_summary="Daily")
    assert client.post(f"{base}/edit", data=data).status_code == 302
    db.expire_all()
    versions = db.scalars(select(Procedure)).one()
    page = client.get(base).get_data(as_text=True)
    assert "Version 2" in page and "The version in force is" in page
    assert versions.review_cadence_months == 6


def test_procedure_body_renders_without_script_or_raw_html(client, login_as, make, db, table):
    procedure = make.procedure(table.school, "<script>alert('title')</script>", body=XSS_BODY)
    db.commit()
    login_as(table.observer.user)
    page = client.get(url(table, f"/procedures/{procedure.id}")).get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert('body')&lt;/script&gt;" in page  # shown as text
    assert "<img" not in page and 'href="javascript:' not in page
    assert '<a href="https://evil.example"' not in page and "&lt;a href=" in page
    assert '<a href="https://leg.mt.gov/" rel="noopener noreferrer nofollow">' in page
    assert "<h1>Steps</h1>" in page


def test_compare_shows_an_escaped_diff_both_ways(client, login_as, make, db, table):
    procedure = make.procedure(table.school, body="Keep\nOld line\n")
    db.commit()
    services.revise_procedure(
        db,
        table.facilitator,
        procedure,
        services.ProcedureText(
            procedure.title,
            "Keep\n<b onmouseover=x>New</b> line\n",
            "Bold",
            [LegalBasis.FERPA_CONSENT],
        ),
        NOW,
    )
    db.commit()
    login_as(table.observer.user)
    base = url(table, f"/procedures/{procedure.id}/compare")
    side = client.get(base).get_data(as_text=True)
    assert "&lt;b onmouseover=x&gt;New&lt;/b&gt; line" in side
    assert "<b onmouseover" not in side
    assert "table-warning" in side  # the changed line faces its old text
    unified = client.get(f"{base}?from=1&to=2&mode=unified").get_data(as_text=True)
    assert "- Old line" in unified and "+ &lt;b onmouseover=x&gt;New&lt;/b&gt; line" in unified
    same = client.get(f"{base}?from=2&to=2").get_data(as_text=True)
    assert "The two versions have the same text." in same


def test_procedure_list_queries_do_not_grow_with_procedures(
    client, login_as, make, db, table, count_queries
):
    login_as(table.observer.user)
    make.procedure(table.school, status="in_review")
    db.commit()
    with count_queries() as few:
        assert client.get(url(table, "/procedures")).status_code == 200
    for agency in table.agencies:
        make.procedure(agency, status="approved", next_review_on=TODAY)
        make.procedure(agency, status="in_review")
    db.commit()
    with count_queries() as many:
        page = client.get(url(table, "/procedures")).get_data(as_text=True)
    assert len(many) == len(few)
    assert page.count("Helena Police Department, Western Montana Mental Health") >= 1


def test_the_list_names_the_agencies_yet_to_sign_the_version_in_review(
    client, login_as, make, db, table
):
    procedure = started(db, table)
    police = table.liaisons[table.police.id]
    services.sign_off(db, police, procedure, procedure.latest_version, table.police.id, NOW)
    db.commit()
    login_as(table.observer.user)
    page = client.get(url(table, "/procedures")).get_data(as_text=True)
    waiting = page.split('<td class="small">')[1].split("</td>")[0]
    assert waiting == "Helena Public Schools, Western Montana Mental Health"


def test_matrix_queries_do_not_grow_with_flows(client, login_as, make, db, table, count_queries):
    login_as(table.observer.user)
    procedure = make.procedure(table.school)
    make.flow(table.school, table.police, procedure_id=procedure.id)
    db.commit()
    with count_queries() as few:
        client.get(url(table, "/matrix"))
    for agency in table.agencies:
        make.flow(agency, None, procedure_id=make.procedure(agency).id)
    db.commit()
    with count_queries() as many:
        client.get(url(table, "/matrix"))
    assert len(many) == len(few)


def test_review_moves_the_next_review_date(client, login_as, make, db, table):
    procedure = make.procedure(
        table.school, status="approved", next_review_on=TODAY - timedelta(days=1)
    )
    db.commit()
    login_as(table.staff[table.school.id].user)
    client.post(url(table, f"/procedures/{procedure.id}/review"))
    db.expire_all()
    assert db.get(Procedure, procedure.id).next_review_on > TODAY


def test_a_facilitator_records_two_agencies_sign_offs_in_one_step(
    client, login_as, make, db, table
):
    procedure = make.procedure(table.school, status="in_review")
    db.commit()
    login_as(table.facilitator.user)
    base = url(table, f"/procedures/{procedure.id}")
    page = client.get(base).get_data(as_text=True)
    assert "Record sign-offs on agencies' behalf" in page
    assert f'id="record-agency-{table.police.id}"' in page

    refused = client.post(f"{base}/versions/1/sign-offs", data={})
    assert refused.status_code == 400
    assert "Choose at least one agency" in refused.get_data(as_text=True)

    done = client.post(
        f"{base}/versions/1/sign-offs",
        data={"agencies": [table.school.id, table.police.id]},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Recorded 2 sign-offs." in done
    assert done.count(f"Recorded by {table.facilitator.user.name} on the agency's behalf") == 2


def test_a_member_cannot_record_another_agencys_sign_off(client, login_as, make, db, table):
    procedure = make.procedure(table.school, status="in_review")
    db.commit()
    login_as(table.liaisons[table.police.id].user)
    base = url(table, f"/procedures/{procedure.id}")
    assert "Record sign-offs on agencies" not in client.get(base).get_data(as_text=True)
    refused = client.post(f"{base}/versions/1/sign-offs", data={"agencies": table.school.id})
    assert refused.status_code == 400  # not one of the agencies they may record for
    assert db.scalars(select(SignOff)).all() == []
