"""The annual report's figures, against a year worked out by hand (see year.py)."""

from __future__ import annotations

from partnerhub.report.registry import Period, sections
from tests.clock import TODAY
from tests.report.year import START, build_year


def figures(db, partnership, start=START):
    period = Period(start, partnership.timezone, TODAY)
    return {section.key: section.load(db, partnership, period) for section in sections()}


def summary(figures) -> dict:
    return dict(figures.summary)


def table(figures, key: str) -> list[tuple]:
    return next(t.rows for t in figures.tables if t.key == key)


def test_meetings_held_against_planned(app, db, make):
    report = figures(db, build_year(make).partnership)
    meetings = report["meetings"]
    assert summary(meetings) == {
        "Planned": 7,
        "Held": "5 (71%)",
        "Cancelled": 1,
        "Not recorded as held": 1,
    }
    assert [row[0] for row in table(meetings, "meetings")][:2] == ["2025-01-15", "2025-02-15"]
    assert [row[3] for row in table(meetings, "meetings")] == [1, 0, "", 1, 2, 1, ""]


def test_attendance_by_agency_per_quarter_with_its_trend(app, db, make):
    year = build_year(make)
    attendance = figures(db, year.partnership)["attendance"]
    assert summary(attendance) == {"Held meetings": 5, "Agencies present": "71%"}
    name = year.partnership.name
    assert table(attendance, "attendance") == [
        (f"{name} Police", "—", "—", "1/1", "0/1", "1/2 (50%)", "—"),
        (f"{name} Schools", "1/2", "1/1", "1/1", "1/1", "4/5 (80%)", "up 33 points"),
    ]


def test_procedure_reviews_on_time_late_and_not_done(app, db, make):
    year = build_year(make)
    reviews = figures(db, year.partnership)["procedures"]
    assert summary(reviews) == {
        "Reviews due": 3,
        "Done on time": "1 (33%)",
        "Done late": 1,
        "Not done": 1,
    }
    schools = f"{year.partnership.name} Schools"
    assert table(reviews, "procedure_reviews") == [
        ("Sharing attendance", schools, "2025-03-01", "2025-02-20", "On time"),
        ("Sharing attendance", schools, "2025-09-01", "2025-09-10", "Late"),
        ("Referrals", f"{year.partnership.name} Police", "2025-11-01", "", "Not done"),
    ]


def test_sign_offs_given_by_agency(app, db, make):
    year = build_year(make)
    sign_offs = figures(db, year.partnership)["sign_offs"]
    assert summary(sign_offs) == {"Sign-offs given": 3, "Versions approved": 1}
    name = year.partnership.name
    assert table(sign_offs, "sign_offs") == [(f"{name} Police", 1), (f"{name} Schools", 2)]


def test_agreements_status_at_the_year_end_and_renewals(app, db, make):
    agreements = figures(db, build_year(make).partnership)["agreements"]
    assert summary(agreements) == {
        "In force": 1,
        "Renewals taking effect": 1,
        "Expired": 1,
        "Signatures recorded": 2,
    }
    rows = {row[0]: row[2:] for row in table(agreements, "agreements")}
    assert rows == {
        "Counseling MOU": ("Expired", "2024-01-01", "2025-06-01", "1 of 1", ""),
        "Helena IGA 2025": ("Active", "2025-07-01", "2026-07-01", "2 of 2", "renewal"),
        "Data-sharing draft": ("Draft", "", "open-ended", "0 of 2", ""),
        "Helena IGA 2024": ("Renewed", "2024-07-01", "2025-07-01", "2 of 2", ""),
    }


def test_action_items_opened_done_and_open_at_the_end(app, db, make):
    items = figures(db, build_year(make).partnership)["action_items"]
    assert summary(items) == {
        "Opened": 3,
        "Done": 1,
        "Open at the end": 2,
        "Of those, past due": 1,
    }
    assert [row[0] for row in table(items, "open_action_items")] == [
        "Update the roster",
        "Train the SROs",
    ]
    assert table(items, "open_action_items")[0][3:] == ("2025-06-30", "yes")
    assert [row[0] for row in table(items, "done_action_items")] == ["Draft the release form"]


def test_a_period_before_anything_happened_is_empty(app, db, make):
    report = figures(db, build_year(make).partnership, start=START.replace(year=2020))
    assert summary(report["meetings"])["Planned"] == 0
    assert summary(report["procedures"])["Reviews due"] == 0
    assert table(report["agreements"], "agreements") == []
