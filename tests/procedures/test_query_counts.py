"""The procedures pages and the sharing matrix run the same few queries whatever the data, and
the procedures list comes a page at a time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from partnerhub.pagination import PER_PAGE
from partnerhub.partnerships.models import Sector
from partnerhub.procedures.models import (
    ChangeRequest,
    ProcedureStatus,
    ProcedureVersion,
    SignOff,
)
from tests.clock import NOW

MOST_QUERIES = 10


def url(table, path=""):
    return f"/partnerships/{table.partnership.id}{path}"


def revise(make, table, procedure, versions: int) -> None:
    """Add `versions` superseded versions, each signed off by every agency and questioned
    once."""
    number = make.session.scalar(
        select(func.max(ProcedureVersion.number)).where(
            ProcedureVersion.procedure_id == procedure.id
        )
    )
    for n in range(versions):
        number += 1
        version = ProcedureVersion(
            procedure_id=procedure.id,
            number=number,
            body_markdown=f"Step {n}: share the status only.\n" * 40,
            change_summary=f"Revision {n}",
            status=ProcedureStatus.SUPERSEDED,
            created_at=NOW - timedelta(days=100 - n),
        )
        make.session.add(version)
        make.session.flush()
        make.session.add_all(
            SignOff(
                version_id=version.id,
                partner_agency_id=agency.id,
                membership_id=table.liaisons[agency.id].id,
                signed_at=NOW - timedelta(days=90 - n),
            )
            for agency in table.agencies
        )
        make.session.add(
            ChangeRequest(
                version_id=version.id,
                membership_id=table.liaisons[table.police.id].id,
                comment=f"Say who keeps the log ({n}).",
                created_at=NOW - timedelta(days=95 - n),
            )
        )
    make.session.commit()


def grow(make, table, procedures: int, flows: int, agencies: int) -> None:
    """More procedures, flows between the agencies, and agencies at the table."""
    for _ in range(agencies):
        make.agency(table.partnership, None, Sector.MENTAL_HEALTH)
    for n in range(procedures):
        agency = table.agencies[n % 3]
        make.procedure(agency, status=("approved", "in_review")[n % 2])
    for n in range(flows):
        sender, receiver = table.agencies[n % 3], table.agencies[(n + 1) % 3]
        make.flow(sender, receiver if n % 2 else None)
    make.session.commit()


def queries_for(client, count_queries, path: str) -> int:
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(statements)


def test_pages_stay_within_ten_queries_however_much_data(
    client, login_as, make, table, count_queries
):
    shown = make.procedure(table.school, "Sharing attendance", status="approved")
    revise(make, table, shown, 1)
    make.session.add(
        ProcedureVersion(
            procedure_id=shown.id,
            number=99,
            body_markdown="The text in review.",
            status=ProcedureStatus.IN_REVIEW,
            created_at=NOW,
            submitted_at=NOW,
        )
    )
    grow(make, table, procedures=2, flows=2, agencies=1)
    login_as(table.liaisons[table.school.id].user)
    pages = [
        url(table, "/procedures"),
        url(table, f"/procedures/{shown.id}"),
        url(table, f"/procedures/{shown.id}/versions/1"),
        url(table, "/matrix"),
        url(table, "/matrix/list"),
    ]
    small = {path: queries_for(client, count_queries, path) for path in pages}
    assert max(small.values()) <= MOST_QUERIES, small

    make.session.expire_all()
    revise(make, table, shown, 8)
    grow(make, table, procedures=PER_PAGE + 10, flows=30, agencies=12)
    large = {path: queries_for(client, count_queries, path) for path in pages}
    assert large == small


def test_the_procedures_list_comes_a_page_at_a_time(client, login_as, make, table):
    for n in range(PER_PAGE + 3):
        procedure = make.procedure(table.school, f"Procedure {n:03d}")
        make.session.flush()
        revise(make, table, procedure, 2)  # a page is of procedures, not of their versions
    make.session.commit()
    login_as(table.observer.user)

    first = client.get(url(table, "/procedures")).text
    assert "Procedure 000" in first and f"Procedure {PER_PAGE:03d}" not in first
    assert f'href="{url(table, "/procedures")}?page=2"' in first
    second = client.get(url(table, "/procedures?page=2")).text
    assert f"Procedure {PER_PAGE:03d}" in second and f"Procedure {PER_PAGE + 2:03d}" in second
    assert "Procedure 000" not in second


@pytest.mark.parametrize("raw", ["abc", "-1", "0", "99999999999999999999", "%00"])
def test_a_bad_page_number_shows_the_first_procedures(client, login_as, make, table, raw):
    make.procedure(table.school, "Sharing attendance")
    make.session.commit()
    login_as(table.observer.user)
    response = client.get(url(table, f"/procedures?page={raw}"))
    assert response.status_code == 200
    assert "Sharing attendance" in response.text


def test_a_page_past_the_last_procedure_says_so(client, login_as, make, table):
    make.procedure(table.school, "Sharing attendance")
    make.session.commit()
    login_as(table.observer.user)
    page = client.get(url(table, "/procedures?page=3")).text
    assert "No procedures on this page." in page
    assert "Sharing attendance" not in page
