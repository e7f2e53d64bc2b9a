"""The partnership's meetings, its attendance report, and scheduling series and meetings."""

from __future__ import annotations

from flask import (
    abort,
    g,
    redirect,
    request,
    url_for,
)
from flask_login import current_user, login_required

from partnerhub import permissions
from partnerhub.db import utcnow
from partnerhub.extensions import database
from partnerhub.meetings import exports, queries, services
from partnerhub.meetings.forms import (
    MeetingForm,
    SeriesForm,
)
from partnerhub.meetings.recurrence import to_local
from partnerhub.meetings.views import PARTNERSHIP, blueprint
from partnerhub.meetings.views.common import (
    _meeting_data,
    _page,
    _series_data,
    _to_meeting,
    partnership_zone,
)
from partnerhub.pagination import requested_page
from partnerhub.partnerships.services import local_today
from partnerhub.web import apply, csv_download, load_partnership


@blueprint.route(PARTNERSHIP + "/meetings")
@login_required
def index(partnership_id: int):
    """Upcoming meetings, a page of past ones, the series, and my calendar subscription."""
    partnership = load_partnership(partnership_id)
    overview = queries.meetings_overview(
        database.session, partnership.id, g.membership.id, utcnow(), requested_page(request.args)
    )
    feed_since = services.feed_since(database.session, current_user, partnership.id)
    return _page("meetings/index.html", partnership, overview=overview, feed_since=feed_since)


@blueprint.route(PARTNERSHIP + "/meetings/attendance")
@login_required
def attendance_report(partnership_id: int):
    """Which agencies came to the last held meetings; agencies missing lately stand out."""
    partnership = load_partnership(partnership_id)
    report = queries.attendance_report(database.session, partnership)
    return _page("meetings/attendance_report.html", partnership, report=report)


@blueprint.route(PARTNERSHIP + "/meetings/attendance.csv")
@login_required
def attendance_csv(partnership_id: int):
    """Every meeting's attendance, a row per person, as a spreadsheet."""
    partnership = load_partnership(partnership_id)
    return csv_download(
        exports.attendance_csv(database.session, partnership),
        f"attendance-{local_today(partnership, utcnow()).isoformat()}.csv",
    )


@blueprint.route(PARTNERSHIP + "/meetings/series/new", methods=["GET", "POST"])
@login_required
def new_series(partnership_id: int):
    """Schedule a recurring series."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    form = SeriesForm()
    if request.method == "GET":
        form.from_month.data = _today(partnership).replace(day=1)
    if (
        form.validate_on_submit()
        and form.build_rule(partnership.timezone)
        and apply(
            services.schedule_series,
            database.session,
            current_user,
            partnership,
            _series_data(form),
            utcnow(),
            done=lambda series: (
                f"Scheduled “{series.title}”: {series.cadence}, "
                f"first on {series.starts_on:%a %d %b %Y}."
            ),
            at=form.custom_rule,
        )
    ):
        return redirect(url_for(".index", partnership_id=partnership.id))
    return _page("meetings/series_form.html", partnership, form=form, series=None)


@blueprint.route(PARTNERSHIP + "/meetings/series/<int:series_id>/edit", methods=["GET", "POST"])
@login_required
def edit_series(partnership_id: int, series_id: int):
    """Change a series from a date on; earlier, held and individually edited meetings stay."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    series = queries.series_in(database.session, partnership.id, series_id) or abort(404)
    form = SeriesForm()
    today = _today(partnership)
    if request.method == "GET":
        form.fill_from(series, max(series.starts_on, today))
    elif (
        form.validate_on_submit()
        and form.build_rule(partnership.timezone, not_before=today)
        and apply(
            services.edit_series,
            database.session,
            current_user,
            series,
            _series_data(form),
            utcnow(),
            done="The series is changed from that date on.",
            at=form.custom_rule,
        )
    ):
        return redirect(url_for(".index", partnership_id=partnership.id))
    return _page("meetings/series_form.html", partnership, form=form, series=series)


def _today(partnership):
    return to_local(utcnow(), partnership_zone(partnership)).date()


@blueprint.route(PARTNERSHIP + "/meetings/new", methods=["GET", "POST"])
@login_required
def new_meeting(partnership_id: int):
    """Schedule a one-off meeting."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    form = MeetingForm()
    if form.validate_on_submit():
        scheduled = apply(
            services.schedule_meeting,
            database.session,
            current_user,
            partnership,
            _meeting_data(form),
            utcnow(),
            done=lambda meeting: f"Scheduled “{meeting.title}”.",
        )
        if scheduled:
            return _to_meeting(scheduled.result)
    return _page("meetings/meeting_form.html", partnership, form=form, meeting=None)
