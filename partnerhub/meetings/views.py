"""Meetings: series and occurrences, agendas, minutes, attendance, action items, calendars.

Routes, top to bottom: the partnership's meetings; scheduling; one meeting; its agenda; its
minutes; attendance; action items; calendar files and feeds.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from partnerhub import permissions
from partnerhub.db import utcnow
from partnerhub.extensions import database
from partnerhub.forms import id_or_none
from partnerhub.links import external_url
from partnerhub.meetings import calendar, queries, services
from partnerhub.meetings.forms import (
    YOUTH_REMINDER,
    ActionItemForm,
    ActionStatusForm,
    AgendaItemForm,
    AttendanceForm,
    CancelForm,
    MeetingForm,
    MinutesForm,
    ReasonForm,
    ResponseForm,
    SeriesForm,
    optional_id,
    options,
    subject_ids,
    subject_value,
)
from partnerhub.meetings.models import ActionItemStatus, AgendaItemKind, AttendanceStatus
from partnerhub.meetings.recurrence import describe, to_local
from partnerhub.partnerships.models import Stage
from partnerhub.partnerships.registry import (
    Attention,
    Check,
    CheckResult,
    add_check,
    add_tab,
    attention_source,
    panel,
)
from partnerhub.permissions import Action
from partnerhub.web import apply, load_partnership, require

blueprint = Blueprint(
    "meetings", __name__, static_folder="static", static_url_path="/meetings-assets"
)

PARTNERSHIP = "/partnerships/<int:partnership_id>"
MEETING = PARTNERSHIP + "/meetings/<int:meeting_id>"
ITEM = MEETING + "/agenda/<int:item_id>"


# --- the partnership's meetings -----------------------------------------------------------


@blueprint.route(PARTNERSHIP + "/meetings")
@login_required
def index(partnership_id: int):
    """Upcoming and past meetings, the series, and my calendar subscription."""
    partnership = load_partnership(partnership_id)
    overview = queries.meetings_overview(
        database.session, partnership.id, g.membership.id, utcnow()
    )
    feed = services.active_feed(database.session, current_user, partnership.id)
    return _page("meetings/index.html", partnership, overview=overview, feed=feed)


@blueprint.route(PARTNERSHIP + "/meetings/attendance")
@login_required
def attendance_report(partnership_id: int):
    """Which agencies came to the last held meetings; agencies missing lately stand out."""
    partnership = load_partnership(partnership_id)
    report = queries.attendance_report(database.session, partnership.id)
    return _page("meetings/attendance_report.html", partnership, report=report)


# --- scheduling ---------------------------------------------------------------------------


@blueprint.route(PARTNERSHIP + "/meetings/series/new", methods=["GET", "POST"])
@login_required
def new_series(partnership_id: int):
    """Schedule a recurring series."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    form = SeriesForm()
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
            done=f"Scheduled “{form.title.data}”: {describe(form.rule)}.",
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
    if request.method == "GET":
        form.fill_from(series)
        today = to_local(utcnow(), partnership_zone(partnership)).date()
        form.starts_on.data = max(series.starts_on, today)
    elif (
        form.validate_on_submit()
        and form.build_rule(partnership.timezone)
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


# --- one meeting --------------------------------------------------------------------------


@blueprint.route(MEETING)
@login_required
def meeting(partnership_id: int, meeting_id: int):
    """A meeting: time and place, agenda, attendance, minutes and action items."""
    partnership = load_partnership(partnership_id)
    return _meeting_page(partnership, _meeting(partnership, meeting_id))


@blueprint.route(MEETING + "/edit", methods=["GET", "POST"])
@login_required
def edit_meeting(partnership_id: int, meeting_id: int):
    """Move this meeting or change its place, leaving the rest of its series as it is."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    meeting = _meeting(partnership, meeting_id)
    form = MeetingForm()
    if request.method == "GET":
        local = to_local(meeting.starts_at, partnership_zone(partnership))
        form.process(
            obj=meeting,
            starts_on=local.date(),
            start_time=local.time(),
            duration_minutes=meeting.duration_minutes,
        )
    elif form.validate_on_submit():
        return _act(
            partnership,
            meeting,
            lambda: services.edit_meeting(
                database.session,
                current_user,
                meeting,
                _meeting_data(form),
                partnership.timezone,
                utcnow(),
            ),
            "The meeting is changed.",
        )
    return _page("meetings/meeting_form.html", partnership, form=form, meeting=meeting)


@blueprint.route(MEETING + "/cancel", methods=["GET", "POST"])
@login_required
def cancel_meeting(partnership_id: int, meeting_id: int):
    """Cancel this meeting, with a reason everyone sees."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    meeting = _meeting(partnership, meeting_id)
    form = CancelForm()
    if form.validate_on_submit():
        return _act(
            partnership,
            meeting,
            lambda: services.cancel_meeting(
                database.session, current_user, meeting, form.reason.data, utcnow()
            ),
            "The meeting is cancelled.",
        )
    return _page("meetings/cancel.html", partnership, form=form, meeting=meeting)


@blueprint.route(MEETING + "/print")
@login_required
def print_meeting(partnership_id: int, meeting_id: int):
    """The agenda (and minutes, once written) on paper."""
    partnership = load_partnership(partnership_id)
    meeting = _meeting(partnership, meeting_id)
    return _page(
        "meetings/print.html",
        partnership,
        meeting=meeting,
        members={m.id: m for m in queries.members_of(database.session, partnership.id)},
        action_items=queries.meeting_action_items(database.session, meeting.id),
    )


@blueprint.route(MEETING + "/respond", methods=["POST"])
@login_required
def respond(partnership_id: int, meeting_id: int):
    """Accept or decline the invitation to this meeting."""
    partnership = load_partnership(partnership_id, permissions.CONTRIBUTE)
    meeting = _meeting(partnership, meeting_id)
    form = ResponseForm()
    if not form.validate_on_submit():
        flash("Choose whether you will attend.", "error")
        return _to_meeting(meeting)
    accepted = form.answer.data == "accept"
    return _act(
        partnership,
        meeting,
        lambda: services.respond(database.session, g.membership, meeting, accepted, utcnow()),
        "You will attend." if accepted else "You declined.",
    )


# --- agenda -------------------------------------------------------------------------------


@blueprint.route(MEETING + "/agenda", methods=["POST"])
@login_required
def add_agenda_item(partnership_id: int, meeting_id: int):
    """Add an item (facilitators) or propose one (members)."""
    partnership = load_partnership(partnership_id, permissions.CONTRIBUTE)
    meeting = _meeting(partnership, meeting_id)
    members = queries.members_of(database.session, partnership.id)
    form = AgendaItemForm()
    form.set_members(members, queries.review_subjects(database.session, partnership.id))
    if not form.validate_on_submit():
        return _meeting_page(partnership, meeting, agenda_form=form, members=members)
    proposing = not permissions.can(g.membership, permissions.MANAGE)
    return _act(
        partnership,
        meeting,
        lambda: services.add_agenda_item(
            database.session, g.membership, meeting, _agenda_data(form), utcnow()
        ),
        "Proposed; a facilitator will accept it." if proposing else "Added to the agenda.",
    )


@blueprint.route(ITEM + "/edit", methods=["GET", "POST"])
@login_required
def edit_agenda_item(partnership_id: int, meeting_id: int, item_id: int):
    """Change an agenda item."""
    partnership, meeting, item = _agenda_item(partnership_id, meeting_id, item_id)
    form = AgendaItemForm(obj=item if request.method == "GET" else None)
    form.set_members(
        queries.members_of(database.session, partnership.id),
        queries.review_subjects(database.session, partnership.id),
    )
    if request.method == "GET":
        form.kind.data = item.kind.value
        form.presenter_id.data = item.presenter_id or 0
        form.subject.data = subject_value(item)
    elif form.validate_on_submit():
        return _act(
            partnership,
            meeting,
            lambda: services.edit_agenda_item(
                database.session, current_user, item, _agenda_data(form), utcnow()
            ),
            "The agenda item is changed.",
        )
    return _page("meetings/agenda_item_form.html", partnership, form=form, meeting=meeting)


@blueprint.route(ITEM + "/accept", methods=["POST"])
@login_required
def accept_agenda_item(partnership_id: int, meeting_id: int, item_id: int):
    """Put a proposed item on the agenda."""
    partnership, meeting, item = _agenda_item(partnership_id, meeting_id, item_id)
    return _act(
        partnership,
        meeting,
        lambda: services.accept_agenda_item(database.session, current_user, item, utcnow()),
        f"“{item.title}” is on the agenda.",
    )


@blueprint.route(ITEM + "/move/<any(up, down):direction>", methods=["POST"])
@login_required
def move_agenda_item(partnership_id: int, meeting_id: int, item_id: int, direction: str):
    """Move an item one place up or down."""
    partnership, meeting, item = _agenda_item(partnership_id, meeting_id, item_id)
    step = -1 if direction == "up" else 1
    return _act(
        partnership,
        meeting,
        lambda: services.move_agenda_item(database.session, current_user, item, step, utcnow()),
        None,
    )


@blueprint.route(ITEM + "/remove", methods=["POST"])
@login_required
def remove_agenda_item(partnership_id: int, meeting_id: int, item_id: int):
    """Take an item off the agenda."""
    partnership, meeting, item = _agenda_item(partnership_id, meeting_id, item_id)
    return _act(
        partnership,
        meeting,
        lambda: services.remove_agenda_item(database.session, current_user, item, utcnow()),
        f"“{item.title}” is off the agenda.",
    )


@blueprint.route(MEETING + "/carry-forward", methods=["POST"])
@login_required
def carry_forward(partnership_id: int, meeting_id: int):
    """Bring the last meeting's unfinished items and the open action items onto this agenda."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    meeting = _meeting(partnership, meeting_id)

    def carry():
        items, actions = services.carry_forward(database.session, current_user, meeting, utcnow())
        flash(f"Carried forward {items} unfinished items and {actions} action items.", "success")

    return _act(partnership, meeting, carry, None)


# --- minutes ------------------------------------------------------------------------------


@blueprint.route(MEETING + "/minutes", methods=["GET", "POST"])
@login_required
def edit_minutes(partnership_id: int, meeting_id: int):
    """Write the draft minutes: a summary, and notes and a decision per agenda item."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    meeting = _meeting(partnership, meeting_id)
    minutes = meeting.minutes
    if minutes is not None and minutes.is_final:
        flash("The minutes are final. Reopen them to make a correction.", "info")
        return _to_meeting(meeting)
    items = [i for i in meeting.agenda_items if not i.is_proposed]
    form = MinutesForm()
    if request.method == "GET":
        form.summary.data = minutes.summary if minutes else ""
        for item in items:
            form.items.append_entry(
                {
                    "item_id": item.id,
                    "notes": item.notes,
                    "decision": item.decision,
                    "is_finished": item.is_finished,
                }
            )
    elif form.validate_on_submit():
        entries = {
            id_or_none(entry.item_id.data): services.ItemMinutes(
                entry.notes.data or "", entry.decision.data or "", entry.is_finished.data
            )
            for entry in form.items
            if id_or_none(entry.item_id.data) is not None
        }
        return _act(
            partnership,
            meeting,
            lambda: services.save_minutes(
                database.session, current_user, meeting, form.summary.data or "", entries, utcnow()
            ),
            "Draft minutes saved.",
        )
    titles = {i.id: i for i in items}
    return _page(
        "meetings/minutes_form.html",
        partnership,
        form=form,
        meeting=meeting,
        items=titles,
        youth_reminder=YOUTH_REMINDER,
    )


@blueprint.route(MEETING + "/minutes/finalize", methods=["POST"])
@login_required
def finalize_minutes(partnership_id: int, meeting_id: int):
    """Make the minutes final (locked); the meeting counts as held."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    meeting = _meeting(partnership, meeting_id)
    return _act(
        partnership,
        meeting,
        lambda: services.finalize_minutes(database.session, current_user, meeting, utcnow()),
        "The minutes are final.",
    )


@blueprint.route(MEETING + "/minutes/reopen", methods=["GET", "POST"])
@login_required
def reopen_minutes(partnership_id: int, meeting_id: int):
    """Reopen final minutes for a correction; the final version is kept."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    meeting = _meeting(partnership, meeting_id)
    form = ReasonForm()
    if form.validate_on_submit():
        return _act(
            partnership,
            meeting,
            lambda: services.reopen_minutes(
                database.session, current_user, meeting, form.reason.data, utcnow()
            ),
            "The minutes are open for correction.",
        )
    return _page("meetings/reopen.html", partnership, form=form, meeting=meeting)


# --- attendance ---------------------------------------------------------------------------


@blueprint.route(MEETING + "/attendance", methods=["GET", "POST"])
@login_required
def record_attendance(partnership_id: int, meeting_id: int):
    """Record who attended."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    meeting = _meeting(partnership, meeting_id)
    members = queries.members_of(database.session, partnership.id)
    form = AttendanceForm()
    form.attended.choices = options((m.id, _member_label(m)) for m in members)
    if request.method == "GET":
        form.attended.data = [
            a.membership_id
            for a in meeting.attendances
            if a.status in (AttendanceStatus.ATTENDED, AttendanceStatus.ACCEPTED)
        ]
    elif form.validate_on_submit():
        attended = set(form.attended.data or [])
        return _act(
            partnership,
            meeting,
            lambda: services.record_attendance(
                database.session,
                current_user,
                meeting,
                members,
                attended,
                partnership.timezone,
                utcnow(),
            ),
            "Attendance recorded.",
        )
    return _page("meetings/attendance_form.html", partnership, form=form, meeting=meeting)


# --- action items -------------------------------------------------------------------------


@blueprint.route(MEETING + "/action-items", methods=["POST"])
@login_required
def add_action_item(partnership_id: int, meeting_id: int):
    """Record an action item agreed at this meeting."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    meeting = _meeting(partnership, meeting_id)
    members = queries.members_of(database.session, partnership.id)
    form = ActionItemForm()
    form.set_owners(members, queries.agencies_of(database.session, partnership.id))
    if not form.validate_on_submit():
        return _meeting_page(partnership, meeting, action_form=form, members=members)
    data = services.ActionItemData(
        title=form.title.data,
        owner_membership_id=optional_id(form.owner_membership_id.data),
        owner_agency_id=optional_id(form.owner_agency_id.data),
        due_on=form.due_on.data,
    )
    return _act(
        partnership,
        meeting,
        lambda: services.add_action_item(
            database.session, current_user, partnership, data, utcnow(), meeting
        ),
        "Action item recorded.",
    )


@blueprint.route(PARTNERSHIP + "/action-items")
@login_required
def action_items(partnership_id: int):
    """The partnership's action items: open ones by default, mine or everyone's."""
    partnership = load_partnership(partnership_id)
    status_name = request.args.get("status", "open")
    status = next((s for s in ActionItemStatus if s.value == status_name), None)
    items = queries.action_items_page(database.session, partnership.id, status)
    if request.args.get("mine"):
        items = [i for i in items if i.owner_membership_id == g.membership.id]
    return _page(
        "meetings/action_items.html",
        partnership,
        items=items,
        status_name=status_name if status else "all",
        mine=bool(request.args.get("mine")),
        status_form=ActionStatusForm(),
    )


@blueprint.route(PARTNERSHIP + "/action-items/<int:item_id>/status", methods=["POST"])
@login_required
def update_action_item(partnership_id: int, item_id: int):
    """Mark an action item done, dropped or open (its owner, their agency, or a facilitator)."""
    partnership = load_partnership(partnership_id)
    item = queries.action_item_in(database.session, partnership.id, item_id) or abort(404)
    require(Action.ACTION_ITEM_UPDATE, item)
    form = ActionStatusForm()
    if form.validate_on_submit():
        apply(
            services.set_action_item_status,
            database.session,
            current_user,
            item,
            ActionItemStatus(form.status.data),
            utcnow(),
            done=lambda _: f"“{item.title}” is {item.status.label.lower()}.",
        )
    else:
        flash("Choose a status.", "error")
    return redirect(request.referrer or url_for(".action_items", partnership_id=partnership.id))


# --- calendar -----------------------------------------------------------------------------


@blueprint.route(MEETING + "/meeting.ics")
@login_required
def meeting_ics(partnership_id: int, meeting_id: int):
    """Download the meeting as a calendar file."""
    partnership = load_partnership(partnership_id)
    meeting = _meeting(partnership, meeting_id)
    url = external_url(".meeting", partnership_id=partnership.id, meeting_id=meeting.id)
    body = calendar.meeting_ics(meeting, partnership.timezone, url)
    return _ics(body, f"meeting-{meeting.id}.ics")


@blueprint.route(PARTNERSHIP + "/calendar/subscribe", methods=["POST"])
@login_required
def subscribe_partnership(partnership_id: int):
    """A new private feed URL of this partnership's meetings (an older one stops working)."""
    partnership = load_partnership(partnership_id)
    return _subscribe(partnership.id, url_for(".index", partnership_id=partnership.id))


@blueprint.route(PARTNERSHIP + "/calendar/revoke", methods=["POST"])
@login_required
def revoke_partnership_feed(partnership_id: int):
    """Stop my feed URL of this partnership's meetings from working."""
    partnership = load_partnership(partnership_id)
    return _revoke(partnership.id, url_for(".index", partnership_id=partnership.id))


@blueprint.route("/calendar")
@login_required
def my_calendar():
    """My meetings in every partnership, my open action items, and my feed URL."""
    now = utcnow()
    upcoming = [
        (m, tz)
        for m, tz in services.user_meetings(database.session, current_user.id, now)
        if m.ends_at >= now
    ]
    return render_template(
        "meetings/my_calendar.html",
        upcoming=upcoming,
        items=queries.my_open_action_items(database.session, current_user.id),
        feed=services.active_feed(database.session, current_user, None),
        today=now.date(),
    )


@blueprint.route("/calendar/subscribe", methods=["POST"])
@login_required
def subscribe():
    """A new private feed URL of all my meetings (an older one stops working)."""
    return _subscribe(None, url_for(".my_calendar"))


@blueprint.route("/calendar/revoke", methods=["POST"])
@login_required
def revoke():
    """Stop my feed URL from working."""
    return _revoke(None, url_for(".my_calendar"))


@blueprint.route("/calendar/<token>.ics")
def feed(token: str):
    """A subscription feed, opened by the secret token in its URL (calendar programs)."""
    found = services.feed_for_token(database.session, token) or abort(404)
    meetings = services.feed_meetings(database.session, found, utcnow())
    name = "PartnerHub meetings"
    if found.partnership_id is not None and meetings:
        name = f"{meetings[0][0].partnership.name} meetings"
    return _ics(calendar.user_feed(name, meetings), "partnerhub.ics", attachment=False)


# --- helpers ------------------------------------------------------------------------------


def partnership_zone(partnership):
    return services.recurrence.ZoneInfo(partnership.timezone)


def _page(template: str, partnership, **context):
    """Render a partnership page (the partnerships layout adds its tabs) with the time."""
    return render_template(
        template,
        partnership=partnership,
        tz=partnership.timezone,
        now=utcnow(),
        membership=g.membership,
        describe_rule=describe,
        **context,
    )


def _meeting(partnership, meeting_id: int):
    """A meeting of this partnership (with what its page shows), else 404."""
    return queries.meeting_in(database.session, partnership.id, meeting_id) or abort(404)


def _agenda_item(partnership_id: int, meeting_id: int, item_id: int):
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    meeting = _meeting(partnership, meeting_id)
    item = queries.agenda_item_in(database.session, meeting, item_id) or abort(404)
    return partnership, meeting, item


def _to_meeting(meeting):
    return redirect(
        url_for(".meeting", partnership_id=meeting.partnership_id, meeting_id=meeting.id)
    )


def _act(partnership, meeting, change, success: str | None):
    """Run one service call, commit, tell the user, and go back to the meeting."""
    apply(change, done=success)
    return _to_meeting(meeting)


def _meeting_page(partnership, meeting, *, agenda_form=None, action_form=None, members=None):
    members = (
        members if members is not None else queries.members_of(database.session, partnership.id)
    )
    agencies = queries.agencies_of(database.session, partnership.id)
    if agenda_form is None:
        agenda_form = AgendaItemForm(formdata=None)
        agenda_form.set_members(members, queries.review_subjects(database.session, partnership.id))
    if action_form is None:
        action_form = ActionItemForm(formdata=None)
        action_form.set_owners(members, agencies)
    answers = {a.membership_id: a for a in meeting.attendances}
    accepted_minutes = sum(i.minutes for i in meeting.agenda_items if not i.is_proposed)
    return _page(
        "meetings/meeting.html",
        partnership,
        meeting=meeting,
        members=members,
        answers=answers,
        my_answer=answers.get(g.membership.id),
        agenda_minutes=accepted_minutes,
        agenda_form=agenda_form,
        action_form=action_form,
        action_items=queries.meeting_action_items(database.session, meeting.id),
        status_form=ActionStatusForm(formdata=None),
        response_form=ResponseForm(formdata=None),
        previous=services.previous_meeting(database.session, meeting),
        kinds=AgendaItemKind,
    )


def _member_label(membership) -> str:
    agency = membership.partner_agency
    return (
        f"{membership.user.name} ({agency.organization.name})" if agency else membership.user.name
    )


def _series_data(form: SeriesForm) -> services.SeriesData:
    return services.SeriesData(
        title=form.title.data,
        rule=form.rule,
        starts_on=form.starts_on.data,
        start_time=form.start_time.data,
        duration_minutes=form.duration_minutes.data,
        place=form.place.data or "",
        video_url=form.video_url.data or "",
        reminder_offsets=form.reminder_offsets,
        agenda_template=form.template_items,
    )


def _meeting_data(form: MeetingForm) -> services.MeetingData:
    return services.MeetingData(
        title=form.title.data,
        starts_on=form.starts_on.data,
        start_time=form.start_time.data,
        duration_minutes=form.duration_minutes.data,
        place=form.place.data or "",
        video_url=form.video_url.data or "",
    )


def _agenda_data(form: AgendaItemForm) -> services.AgendaItemData:
    return services.AgendaItemData(
        title=form.title.data,
        minutes=form.minutes.data,
        kind=AgendaItemKind(form.kind.data),
        presenter_id=optional_id(form.presenter_id.data),
        **subject_ids(form.subject.data),
    )


def _subscribe(partnership_id: int | None, back: str):
    apply(
        services.subscribe,
        database.session,
        current_user,
        partnership_id,
        utcnow(),
        done=lambda token: (
            "Your private calendar URL (copy it now; it is shown once): "
            + external_url(".feed", token=token)
        ),
    )
    return redirect(back)


def _revoke(partnership_id: int | None, back: str):
    apply(
        services.unsubscribe,
        database.session,
        current_user,
        partnership_id,
        utcnow(),
        done=lambda revoked: (
            "The calendar URL no longer works." if revoked else "There was no calendar URL."
        ),
    )
    return redirect(back)


def _ics(body: bytes, filename: str, attachment: bool = True) -> Response:
    disposition = "attachment" if attachment else "inline"
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


# --- what the partnership pages and the dashboard show -----------------------------------

add_tab("Meetings", "meetings.index", 20)
add_tab("Action items", "meetings.action_items", 30)


@panel("meetings/_panel.html", 20)
def _overview_panel(session, partnership, today):
    """The next meeting and the open action items, on the partnership overview."""
    return {
        "next_meeting": queries.next_meeting(session, partnership.id, utcnow()),
        "open_action_items": services.open_action_items(session, partnership.id),
        "today": today,
    }


def _regular_series_check(session, partnership, today) -> CheckResult:
    if queries.has_regular_series(session, partnership.id, utcnow()):
        return CheckResult(True, "Meetings are scheduled ahead.")
    return CheckResult(False, "No series with meetings ahead.")


# Recommended, not required: the cadence the partnership agreed is the required item.
add_check(
    Check(
        Stage.PARTNER,
        "meetings.regular_series",
        "A regular meeting series is scheduled",
        required=False,
        compute=_regular_series_check,
        order=41,
        help="Schedule the monthly partner meeting as a series on the Meetings tab.",
    )
)


@attention_source
def _needs_attention(session, partnership_ids: list[int], today) -> list[Attention]:
    """Overdue action items; agencies that missed the last meetings."""
    found = [
        Attention(
            partnership_id,
            f"{count} overdue action item{'s' if count != 1 else ''}",
            url_for("meetings.action_items", partnership_id=partnership_id),
            severity="danger",
        )
        for partnership_id, count in queries.overdue_action_items(
            session, partnership_ids, today
        ).items()
    ]
    for partnership_id, agencies in queries.agencies_missing_meetings(
        session, partnership_ids
    ).items():
        found.extend(
            Attention(
                partnership_id,
                f"{agency.organization.name} missed the last {queries.MISSED_IN_A_ROW} meetings",
                url_for("meetings.attendance_report", partnership_id=partnership_id),
            )
            for agency in agencies
        )
    return found
