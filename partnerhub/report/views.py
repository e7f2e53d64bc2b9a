"""The annual report's pages: the report for a chosen twelve months, each table as CSV, and
the report as a PDF."""

from __future__ import annotations

import re
from datetime import date

from dateutil.relativedelta import relativedelta
from flask import Blueprint, Response, abort, render_template, request
from flask_login import login_required

from partnerhub.db import utcnow
from partnerhub.extensions import database
from partnerhub.partnerships.registry import add_tab
from partnerhub.partnerships.services import local_today
from partnerhub.report import pdf
from partnerhub.report.registry import Period, default_start, sections
from partnerhub.spreadsheets import csv_text
from partnerhub.web import csv_download, load_partnership

blueprint = Blueprint("report", __name__)

PARTNERSHIP = "/partnerships/<int:partnership_id>"
MONTHS_OFFERED = 60  # the period can start in any of the last five years

add_tab("Annual report", "report.annual", 88, section="act", covers=("report.",))


@blueprint.route(PARTNERSHIP + "/report")
@login_required
def annual(partnership_id: int):
    """The partnership's year on one printable page."""
    partnership = load_partnership(partnership_id)
    period, error = _period(partnership)
    return render_template(
        "report/annual.html",
        partnership=partnership,
        period=period,
        start_error=error,
        starts=_starts(period),
        report=_draw(partnership, period),
        pdf_available=pdf.available(),
    )


@blueprint.route(PARTNERSHIP + "/report/<key>.csv")
@login_required
def table_csv(partnership_id: int, key: str):
    """One table of the report as a spreadsheet."""
    partnership = load_partnership(partnership_id)
    period, _ = _period(partnership)
    for _section, figures in _draw(partnership, period):
        for table in figures.tables:
            if table.key == key:
                return csv_download(
                    csv_text(table.header, table.rows),
                    f"{key.replace('_', '-')}-{period.start:%Y-%m}.csv",
                )
    abort(404)


@blueprint.route(PARTNERSHIP + "/report.pdf")
@login_required
def annual_pdf(partnership_id: int):
    """The report as a PDF file, for those who file it rather than print it."""
    partnership = load_partnership(partnership_id)
    if not pdf.available():
        abort(404)
    period, _ = _period(partnership)
    html = render_template(
        "report/document.html",
        partnership=partnership,
        period=period,
        report=_draw(partnership, period),
    )
    return Response(
        pdf.render(html),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="annual-report-{period.start:%Y-%m}.pdf"'
        },
    )


def _draw(partnership, period: Period):
    """Each section with its figures, in the report's order."""
    return [
        (section, section.load(database.session, partnership, period)) for section in sections()
    ]


def _period(partnership) -> tuple[Period, str | None]:
    """The period asked for (?start=YYYY-MM), else the last twelve full months."""
    today = local_today(partnership, utcnow())
    asked = request.args.get("start", "")
    start = _month(asked)
    error = None
    if asked and start is None:
        error = "Choose the month the period starts from the list."
    return Period(start or default_start(today), partnership.timezone, today), error


def _month(text: str) -> date | None:
    match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (1 <= month <= 12 and 1900 <= year <= 9998):
        return None
    return date(year, month, 1)


def _starts(period: Period) -> list[date]:
    """The months a period may start in, newest first, always including the one shown."""
    this_month = period.today.replace(day=1)
    months = [this_month - relativedelta(months=n) for n in range(MONTHS_OFFERED)]
    if period.start not in months:
        months.append(period.start)
    return sorted(months, reverse=True)
