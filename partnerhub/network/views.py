"""The network page and its CSV, for site administrators; each look is in the activity log."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request
from flask_login import current_user

from partnerhub.audit.services import record
from partnerhub.auth.views import admin_required
from partnerhub.db import utcnow
from partnerhub.extensions import database
from partnerhub.network import queries
from partnerhub.spreadsheets import csv_text
from partnerhub.web import apply, csv_download, local_time

blueprint = Blueprint("network", __name__)

# ?sort= key -> (column heading, sort key of a row); rows without a value sort last.
COLUMNS = {
    "name": ("Partnership", lambda row: row.name.casefold()),
    "stage": ("Stage", lambda row: row.stage.position),
    "next_meeting": ("Next meeting", lambda row: row.next_meeting),
    "attendance": ("Attendance, last 12 months", lambda row: row.attendance_rate),
    "agreements": (
        f"Agreements expiring within {queries.EXPIRY_WINDOW_DAYS} days",
        lambda row: row.agreements_expiring,
    ),
    "reviews": ("Procedure reviews overdue", lambda row: row.reviews_overdue),
    "training": ("Training lapsed or lapsing", lambda row: row.training_lapses),
    "flags": ("Open flags", lambda row: row.open_flags),
}


@blueprint.route("/admin/network")
@admin_required
def index():
    """Every partnership: stage, next meeting, attendance, what falls due."""
    sort, descending = _sorting()
    rows = _rows(sort, descending)
    _audit("Looked at the network of partnerships")
    return render_template(
        "network/index.html",
        rows=rows,
        columns=COLUMNS,
        sort=sort,
        descending=descending,
        today=_today(),
    )


@blueprint.route("/admin/network.csv")
@admin_required
def csv():
    """The network page as a spreadsheet."""
    rows = _rows(*_sorting())
    _audit("Downloaded the network of partnerships as CSV")
    headings = (heading for heading, _ in list(COLUMNS.values())[1:])
    header = ["Partnership", "Community", *headings, "Meets"]
    table = (
        (
            row.name,
            row.community,
            row.stage.label,
            local_time(row.next_meeting, row.timezone, "%Y-%m-%d %H:%M")
            if row.next_meeting
            else "",
            f"{row.attendance_rate:.0%}" if row.attendance_rate is not None else "",
            row.agreements_expiring,
            row.reviews_overdue,
            row.training_lapses,
            row.open_flags,
            row.cadence or "",
        )
        for row in rows
    )
    return csv_download(csv_text(header, table), f"network-{_today().isoformat()}.csv")


def _rows(sort: str, descending: bool) -> list[queries.NetworkRow]:
    rows = queries.network(database.session, utcnow(), _today())
    key = COLUMNS[sort][1]
    known = [row for row in rows if key(row) is not None]
    unknown = [row for row in rows if key(row) is None]
    return sorted(known, key=key, reverse=descending) + unknown


def _sorting() -> tuple[str, bool]:
    sort = request.args.get("sort", "name")
    return (sort if sort in COLUMNS else "name"), request.args.get("dir") == "desc"


def _today():
    """The administrator's own date: the network spans many time zones."""
    return utcnow().astimezone(ZoneInfo(current_user.timezone)).date()


def _audit(summary: str) -> None:
    apply(record, database.session, current_user, "network.viewed", current_user, summary, utcnow())
