"""The figures the annual report shows about questions over a period, computed by hand."""

from __future__ import annotations

from datetime import date, timedelta

from partnerhub.questions.queries import YearFigures, year_figures
from tests.clock import NOW
from tests.questions.conftest import answer

START, END = date(2026, 1, 1), date(2026, 12, 31)


def test_figures_count_raised_answered_and_open_questions_of_the_period(db, ask, desk, world):
    # Raised before the period, answered in it after 40 days (Denver: 2025-12-20 evening).
    before = ask("Before?", now=NOW - timedelta(days=78))
    answer(db, desk.advisor, before, now=NOW - timedelta(days=38))
    # Raised in the period and answered 4 and 10 days later.
    quick = ask("Quick?")
    answer(db, desk.advisor, quick, now=NOW + timedelta(days=4))
    slower = ask("Slower?")
    answer(db, desk.advisor, slower, now=NOW + timedelta(days=10))
    # Raised in the period, answered after it; raised in it and still open.
    late = ask("Late?", now=NOW + timedelta(days=290))
    answer(db, desk.advisor, late, now=NOW + timedelta(days=320))
    ask("Still open?", now=NOW + timedelta(days=100))
    # Raised after the period: not counted at all.
    ask("Next year?", now=NOW + timedelta(days=400))

    figures = year_figures(db, world.partnership.id, START, END)

    assert figures == YearFigures(raised=4, answered=3, still_open=2, median_days_to_answer=10.0)


def test_the_period_ends_at_midnight_where_the_partnership_meets(db, ask, desk, world):
    # 03:30 UTC on 8 March is still 7 March in Denver.
    ask()
    assert year_figures(db, world.partnership.id, START, date(2026, 3, 7)).raised == 1
    assert year_figures(db, world.partnership.id, date(2026, 3, 8), END).raised == 0


def test_a_period_without_answers_has_no_median(db, ask, world):
    ask()
    figures = year_figures(db, world.partnership.id, START, END)
    assert figures == YearFigures(raised=1, answered=0, still_open=1, median_days_to_answer=None)


def test_figures_are_read_in_two_statements(db, ask, desk, world, count_queries):
    for title in ("One?", "Two?", "Three?"):
        answer(db, desk.advisor, ask(title), now=NOW + timedelta(days=2))
    partnership_id = world.partnership.id
    with count_queries() as statements:
        year_figures(db, partnership_id, START, END)
    assert len(statements) == 2
