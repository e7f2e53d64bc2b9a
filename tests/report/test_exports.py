"""The agreements, attendance and action items of a partnership as spreadsheets, linked from
their pages."""

from __future__ import annotations

import csv
import io

import pytest

from tests.report.year import build_year


@pytest.fixture
def year(make, db, world):
    built = build_year(make, name="Helena Youth Partnership 2025")
    make.member(built.partnership, world.facilitator.user)
    db.commit()
    return built


def rows_of(response) -> list[list[str]]:
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_agreements_as_csv_a_row_per_party(client, login_as, year, world):
    login_as(world.facilitator.user)
    base = f"/partnerships/{year.partnership.id}/agreements"
    assert f'href="{base}.csv"' in client.get(base).get_data(as_text=True)
    rows = rows_of(client.get(f"{base}.csv"))
    assert rows[0] == [
        "Agreement",
        "Kind",
        "Status",
        "Effective",
        "Term ends",
        "Renewal",
        "Party",
        "Signed by",
        "Signer's title",
        "Signed on",
    ]
    renewal = [row for row in rows if row[0] == "Helena IGA 2025"]
    assert [row[6] for row in renewal] == [
        "Helena Youth Partnership 2025 Police",
        "Helena Youth Partnership 2025 Schools",
    ]
    assert renewal[0][2:5] == ["Active", "2025-07-01", "2026-07-01"]
    assert renewal[0][7:] == ["Pat Signer", "Agency director", "2025-07-01"]
    assert len(rows) == 1 + 2 + 2 + 1 + 2 + 2  # header, then each agreement's parties


def test_attendance_as_csv_a_row_per_meeting_and_person(client, login_as, year, world):
    login_as(world.facilitator.user)
    base = f"/partnerships/{year.partnership.id}/meetings"
    page = client.get(f"{base}/attendance").get_data(as_text=True)
    assert f'href="{base}/attendance.csv"' in page
    rows = rows_of(client.get(f"{base}/attendance.csv"))
    assert rows[0] == [
        "Date",
        "Time",
        "Meeting",
        "Meeting status",
        "Person",
        "Agency",
        "Attendance",
    ]
    july = [row for row in rows if row[0] == "2025-07-15"]
    assert sorted(row[5] for row in july) == [
        "Helena Youth Partnership 2025 Police",
        "Helena Youth Partnership 2025 Schools",
    ]
    assert {row[6] for row in july} == {"Attended"}
    assert july[0][1] == "14:00"  # 20:00 UTC in Denver's summer
    assert len(rows) == 1 + 10  # ten answers recorded over nine meetings


def test_action_items_as_csv_with_owner_agency_due_and_status(client, login_as, year, world):
    login_as(world.facilitator.user)
    base = f"/partnerships/{year.partnership.id}/action-items"
    assert f'href="{base}.csv"' in client.get(base).get_data(as_text=True)
    rows = rows_of(client.get(f"{base}.csv"))
    assert rows[0] == ["Action item", "Owner", "Agency", "Due", "Status", "Done on", "From meeting"]
    by_title = {row[0]: row[1:] for row in rows[1:]}
    assert by_title["Update the roster"][2:4] == ["2025-06-30", "Open"]
    assert by_title["Train the SROs"][1:5] == [
        "Helena Youth Partnership 2025 Police",
        "2026-02-01",
        "Done",
        "2026-01-20",
    ]
    assert len(by_title) == 5
