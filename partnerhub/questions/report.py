"""The questions' section of the annual report: information-sharing questions raised and
answered in the period."""

from __future__ import annotations

from sqlalchemy.orm import Session

from partnerhub.partnerships.models import Partnership
from partnerhub.questions.queries import year_figures
from partnerhub.report.registry import Figures, Period, report_section


@report_section("questions", "Information-sharing questions", order=70)
def questions(session: Session, partnership: Partnership, period: Period) -> Figures:
    day = min(period.last_day, period.today)
    figures = year_figures(session, partnership.id, period.start, day)
    median = figures.median_days_to_answer
    return Figures(
        summary=[
            ("Raised", figures.raised),
            ("Answered", figures.answered),
            ("Open at the end", figures.still_open),
            ("Median days to an answer", "—" if median is None else f"{median:g}"),
        ],
        note="Answered counts the questions answered in the period, whenever raised.",
    )
