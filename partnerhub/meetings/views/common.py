"""What the meetings pages share: loading a meeting or item, the meeting page, form data."""

from __future__ import annotations

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import (
    Response,
    abort,
    g,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from partnerhub import permissions
from partnerhub.db import utcnow
from partnerhub.extensions import database
from partnerhub.identifiers import IdentifiersFound
from partnerhub.links import external_url
from partnerhub.meetings import calendar, queries, services
from partnerhub.meetings.forms import (
    ActionItemForm,
    ActionStatusForm,
    AgendaItemForm,
    MeetingForm,
    ResponseForm,
    SeriesForm,
    optional_id,
    subject_ids,
)
from partnerhub.meetings.models import AgendaItemKind
from partnerhub.meetings.recurrence import describe
from partnerhub.web import apply, load_partnership


def partnership_zone(partnership):
    return ZoneInfo(partnership.timezone)


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
        kinds=AgendaItemKind,
    )


def _member_label(membership) -> str:
    agency = membership.partner_agency
    return (
        f"{membership.user.name} ({agency.organization.name})" if agency else membership.user.name
    )


def _action_data(form: ActionItemForm) -> services.ActionItemData:
    return services.ActionItemData(
        title=form.title.data,
        owner_membership_id=optional_id(form.owner_membership_id.data),
        owner_agency_id=optional_id(form.owner_agency_id.data),
        due_on=form.due_on.data,
        keep_reason=form.kept_reason,
    )


def _record_action_item(partnership, meeting) -> tuple[ActionItemForm, object]:
    """The posted action item form for `meeting` and what recording it gave (None when the
    form did not validate). A refusal for youth identifiers is the caller's to show at the
    form, with what was typed."""
    form = ActionItemForm()
    form.set_owners(
        queries.members_of(database.session, partnership.id),
        queries.agencies_of(database.session, partnership.id),
    )
    if not form.validate_on_submit():
        return form, None
    added = apply(
        services.add_action_item,
        database.session,
        current_user,
        partnership,
        _action_data(form),
        utcnow(),
        meeting,
        done="Action item recorded.",
        at={IdentifiersFound: form.keep_reason},
    )
    return form, added


def _series_data(form: SeriesForm) -> services.SeriesData:
    return services.SeriesData(
        title=form.title.data,
        rule=form.rule,
        starts_on=form.first_date,
        start_time=form.start_time.data,
        duration_minutes=form.duration_minutes.data,
        place=form.place.data or "",
        video_url=form.video_url.data or "",
        description=(form.description.data or "").strip(),
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
        keep_reason=form.kept_reason,
    )


def _subscribe(partnership_id: int | None, back: str):
    apply(
        services.subscribe,
        database.session,
        current_user,
        partnership_id,
        utcnow(),
        done=_subscribed,
    )
    return redirect(back)


def _subscribed(token: str) -> Markup:
    """The new feed URL, shown once, with links that subscribe to it in one click."""
    url = external_url(".feed", token=token)
    subscribe = calendar.webcal(url)
    google = "https://calendar.google.com/calendar/render?" + urlencode({"cid": subscribe})
    return Markup(
        "Your private calendar URL (copy it now; it is shown once): {} "
        '<a href="{}">Subscribe in your calendar program</a> · '
        '<a href="{}" rel="noopener noreferrer">Subscribe in Google Calendar</a>'
    ).format(url, subscribe, google)


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
