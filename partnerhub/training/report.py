"""Training's section of the annual report: trainings held in the period, by framework, and
each agency's coverage on the period's last day."""

from __future__ import annotations

from sqlalchemy.orm import Session

from partnerhub.partnerships.models import Partnership
from partnerhub.report.registry import Figures, Period, Table, percent, report_section
from partnerhub.training.queries import year_figures


@report_section("training", "Training on the law", order=60)
def training(session: Session, partnership: Partnership, period: Period) -> Figures:
    day = min(period.last_day, period.today)
    figures = year_figures(session, partnership.id, period.start, day)
    trained = sum(agency.trained for agency in figures.agencies)
    required = sum(agency.required for agency in figures.agencies)
    return Figures(
        summary=[
            ("Trainings held", figures.sessions),
            ("People trained and current", f"{trained} of {required}"),
            ("Coverage", percent(trained, required)),
        ],
        tables=[
            Table(
                "training_sessions",
                "Trainings held, by framework",
                ("Framework", "Trainings"),
                [(f.label, n) for f, n in figures.sessions_by_framework.items()],
                empty="No training was held in this period.",
            ),
            Table(
                "training_coverage",
                f"Coverage on {day.strftime('%d %B %Y')}",
                ("Agency", "Trained and current", "Needing training", "Coverage"),
                [
                    (a.agency, a.trained, a.required, percent(a.trained, a.required))
                    for a in figures.agencies
                ],
                empty="No agency has people who need training.",
            ),
        ],
        note="A person counts as trained when current, on the period's last day, in every "
        "framework their agency needs; people are those on the roster today.",
    )
