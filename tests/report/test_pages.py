"""The annual report's page, its tables as CSV and its PDF, for a chosen period."""

from __future__ import annotations

import csv
import io

import pytest

from partnerhub.report import pdf
from tests.report.year import build_year, fill_year


@pytest.fixture
def year(make, db, world):
    """The hand-built year, in the test world's partnership (its members see it)."""
    built = build_year(make, name="Helena Youth Partnership 2025")
    facilitator = world.facilitator.user
    make.member(built.partnership, facilitator)
    db.commit()
    return built


def test_the_report_defaults_to_the_last_twelve_full_months(client, login_as, world, db):
    db.commit()
    login_as(world.member.user)
    page = client.get(f"/partnerships/{world.partnership.id}/report").get_data(as_text=True)
    # NOW is 7 March 2026 in Denver: the last full months are March 2025 to February 2026.
    assert "Annual report: March 2025 to February 2026" in page
    assert '<option value="2025-03" selected>' in page
    for title in (
        "Meetings held and planned",
        "Attendance by agency",
        "Procedures reviewed on time",
        "Sign-offs given",
        "Agreements and renewals",
        "Action items",
    ):
        assert title in page
    assert "data-print" in page


def test_a_chosen_period_shows_its_figures(client, login_as, year, world):
    login_as(world.facilitator.user)
    page = client.get(f"/partnerships/{year.partnership.id}/report?start=2025-01")
    text = page.get_data(as_text=True)
    assert "Annual report: January 2025 to December 2025" in text
    assert "5 (71%)" in text  # held of planned
    assert "4/5 (80%)" in text  # the school's attendance


@pytest.mark.parametrize("start", ["2025-13", "soon", "2025-1", "0000-01", "2025-01\x00"])
def test_a_start_that_is_no_month_is_explained_at_the_field(client, login_as, world, db, start):
    db.commit()
    login_as(world.member.user)
    page = client.get(f"/partnerships/{world.partnership.id}/report", query_string={"start": start})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Choose the month the period starts from the list." in text
    assert "March 2025 to February 2026" in text


def test_each_table_downloads_as_csv(client, login_as, year, world):
    login_as(world.facilitator.user)
    response = client.get(
        f"/partnerships/{year.partnership.id}/report/attendance.csv?start=2025-01"
    )
    assert response.mimetype == "text/csv"
    assert "attendance-2025-01.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "Agency" and rows[0][-2:] == ["Year", "Trend"]
    assert rows[2] == [
        "Helena Youth Partnership 2025 Schools",
        "1/2",
        "1/1",
        "1/1",
        "1/1",
        "4/5 (80%)",
        "up 33 points",
    ]
    missing = client.get(f"/partnerships/{year.partnership.id}/report/nothing.csv")
    assert missing.status_code == 404


def test_a_cell_that_reads_as_a_formula_stays_text(client, login_as, make, world, db):
    make.meeting(world.partnership, title='=HYPERLINK("http://evil")')
    db.commit()
    login_as(world.member.user)
    response = client.get(f"/partnerships/{world.partnership.id}/report/meetings.csv?start=2026-03")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'


@pytest.mark.skipif(not pdf.available(), reason="WeasyPrint is not installed")
def test_the_report_downloads_as_pdf(client, login_as, year, world):
    login_as(world.facilitator.user)
    response = client.get(f"/partnerships/{year.partnership.id}/report.pdf?start=2025-01")
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert "annual-report-2025-01.pdf" in response.headers["Content-Disposition"]


def test_the_report_reads_in_a_fixed_number_of_queries(
    client, login_as, make, world, db, count_queries
):
    build_year(make, name="First year")
    db.commit()
    login_as(world.facilitator.user)

    def queries_for(partnership) -> int:
        make.member(partnership, world.facilitator.user)
        db.commit()
        with count_queries() as statements:
            page = client.get(f"/partnerships/{partnership.id}/report?start=2025-01")
        assert page.status_code == 200
        return len(statements)

    small = build_year(make, name="Small").partnership
    large = build_year(make, name="Large").partnership
    for n in range(4):  # four times the agencies, meetings, reviews and agreements
        fill_year(make, large, f" {n}")
    db.commit()
    assert queries_for(small) == queries_for(large)
