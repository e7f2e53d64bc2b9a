"""Routes of the meetings module and who may reach them."""

from datetime import timedelta

from sqlalchemy import select

from partnerhub.meetings.models import ActionItem, AgendaItem, AgendaItemStatus, Meeting
from partnerhub.meetings.services import subscribe
from tests.clock import NOW

ROUTES = {
    "meetings.static": "public",
    # the partnership's meetings
    "meetings.index": "view",
    "meetings.attendance_report": "view",
    "meetings.attendance_csv": "view",
    # scheduling
    "meetings.new_series": "manage",
    "meetings.edit_series": "manage",
    "meetings.new_meeting": "manage",
    # one meeting
    "meetings.meeting": "view",
    "meetings.edit_meeting": "manage",
    "meetings.cancel_meeting": "manage",
    "meetings.print_meeting": "view",
    "meetings.respond": "contribute",
    # agenda
    "meetings.add_agenda_item": "contribute",
    "meetings.edit_agenda_item": "manage",
    "meetings.accept_agenda_item": "manage",
    "meetings.move_agenda_item": "manage",
    "meetings.remove_agenda_item": "manage",
    "meetings.carry_forward": "manage",
    # minutes
    "meetings.edit_minutes": "manage",
    "meetings.finalize_minutes": "manage",
    "meetings.reopen_minutes": "manage",
    # attendance and action items
    "meetings.record_attendance": "manage",
    "meetings.add_action_item": "manage",
    "meetings.action_items": "view",
    "meetings.action_items_csv": "view",
    "meetings.update_action_item": "contribute",
    # meeting mode
    "meetings.meeting_mode": "view",
    "meetings.start_agenda_item": "manage",
    "meetings.next_agenda_item": "manage",
    "meetings.save_item_notes": "manage",
    "meetings.mark_attendance": "manage",
    "meetings.add_action_item_in_meeting": "manage",
    "meetings.carry_agenda_item": "manage",
    "meetings.reorder_agenda": "manage",
    # calendar
    "meetings.meeting_ics": "view",
    "meetings.subscribe_partnership": "view",
    "meetings.revoke_partnership_feed": "view",
    "meetings.my_calendar": "login",
    "meetings.subscribe": "login",
    "meetings.revoke": "login",
    "meetings.feed": "token",
}

# (endpoint, a valid submission, fields whose input must come back when refused)
MEETING = {
    "title": "Monthly partner review",
    "starts_on": "2030-01-08",
    "start_time": "15:00",
    "duration_minutes": "90",
    "place": "Helena High School, room 114",
    "video_url": "https://meet.example/helena",
}
SERIES = {
    **MEETING,
    "from_month": "2030-01",
    "repeat": "monthly_weekday",
    "ordinal": "2",
    "weekday": "1",
    "ends": "count",
    "count": "3",
    "reminders": "7d, 1d",
    "agenda_template": "Welcome | 5 | other\nAttendance data | 20 | report",
}
AGENDA_ITEM = {"title": "Attendance data", "presenter_id": "0", "minutes": "10", "kind": "other"}
FORMS = [
    ("meetings.new_series", SERIES, ["title", "place", "reminders", "agenda_template"]),
    ("meetings.edit_series", SERIES, ["title", "place", "reminders", "agenda_template"]),
    ("meetings.new_meeting", MEETING, ["title", "place", "video_url"]),
    ("meetings.edit_meeting", MEETING, ["title", "place", "video_url"]),
    ("meetings.cancel_meeting", {"reason": "The school is closed for snow."}, ["reason"]),
    ("meetings.respond", {"answer": "accept"}, []),
    ("meetings.add_agenda_item", AGENDA_ITEM, ["title"]),
    ("meetings.edit_agenda_item", AGENDA_ITEM, ["title"]),
    ("meetings.edit_minutes", {"summary": "Attendance is up."}, ["summary"]),
    ("meetings.reopen_minutes", {"reason": "The date of the next meeting is wrong."}, ["reason"]),
    (
        "meetings.add_action_item",
        {"title": "Draft the consent form", "owner_agency_id": "0", "due_on": "2030-02-01",
         "owner_membership_id": lambda world: str(world.member.id)},
        ["title"],
    ),
    ("meetings.update_action_item", {"status": "done"}, []),
    ("meetings.save_item_notes", {"notes": "Referrals are up.", "version": "0"}, ["notes"]),
    ("meetings.mark_attendance", {"present": "yes"}, []),
    (
        "meetings.add_action_item_in_meeting",
        {"title": "Draft the consent form", "owner_agency_id": "0", "due_on": "2030-02-01",
         "owner_membership_id": lambda world: str(world.member.id)},
        ["title"],
    ),
    ("meetings.reorder_agenda", {"order": "1,2"}, []),
]  # fmt: skip


def url_values(make, world) -> dict[str, dict]:
    """A series with its meetings, an agenda item and an action item in world.partnership."""
    partnership = world.partnership
    now = NOW
    series = make.series(partnership, starts_on=(now - timedelta(days=40)).date(), now=now)
    meeting = make.session.scalars(
        select(Meeting)
        .where(Meeting.series_id == series.id, Meeting.starts_at > now)
        .order_by(Meeting.starts_at)
    ).first()
    item = AgendaItem(
        meeting_id=meeting.id, position=99, title="Review", status=AgendaItemStatus.PROPOSED
    )
    action = ActionItem(
        partnership_id=partnership.id,
        meeting_id=meeting.id,
        title="Draft the consent form",
        owner_membership_id=world.member.id,
    )
    accepted = AgendaItem(meeting_id=meeting.id, position=100, title="Attendance data")
    make.session.add_all([item, accepted, action])
    make.session.flush()
    token = subscribe(make.session, world.member.user, partnership.id, now)
    in_meeting = {"meeting_id": meeting.id}
    on_item = {**in_meeting, "item_id": item.id}
    return {
        "meetings.static": {"filename": "print.css"},
        "meetings.edit_series": {"series_id": series.id},
        "meetings.meeting": in_meeting,
        "meetings.edit_meeting": in_meeting,
        "meetings.cancel_meeting": in_meeting,
        "meetings.print_meeting": in_meeting,
        "meetings.respond": in_meeting,
        "meetings.add_agenda_item": in_meeting,
        "meetings.edit_agenda_item": on_item,
        "meetings.accept_agenda_item": on_item,
        "meetings.move_agenda_item": {**on_item, "direction": "up"},
        "meetings.remove_agenda_item": on_item,
        "meetings.carry_forward": in_meeting,
        "meetings.edit_minutes": in_meeting,
        "meetings.finalize_minutes": in_meeting,
        "meetings.reopen_minutes": in_meeting,
        "meetings.record_attendance": in_meeting,
        "meetings.add_action_item": in_meeting,
        "meetings.update_action_item": {"item_id": action.id},
        "meetings.meeting_mode": in_meeting,
        "meetings.start_agenda_item": on_item,
        "meetings.next_agenda_item": in_meeting,
        "meetings.save_item_notes": {**in_meeting, "item_id": accepted.id},
        "meetings.mark_attendance": {**in_meeting, "membership_id": world.member.id},
        "meetings.add_action_item_in_meeting": in_meeting,
        "meetings.carry_agenda_item": on_item,
        "meetings.reorder_agenda": in_meeting,
        "meetings.meeting_ics": in_meeting,
        "meetings.feed": {"token": token},
    }
