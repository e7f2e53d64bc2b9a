"""The demo partnership's meetings: a second-Tuesday series at 15:00 local time, past meetings
with attendance, final minutes and action items, and upcoming ones with agendas."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerhub.meetings import services
from partnerhub.meetings.models import ActionItemStatus, AgendaItemKind, Meeting, MeetingStatus
from partnerhub.meetings.recurrence import week_of_month
from partnerhub.partnerships.models import Sector

AGENDA_TEMPLATE = [
    {"title": "Welcome and review of last month's action items", "minutes": 10, "kind": "report"},
    {"title": "Procedure review", "minutes": 30, "kind": "procedure_review"},
    {"title": "New information-sharing issues", "minutes": 30, "kind": "sharing_issue"},
    {"title": "Agency updates", "minutes": 15, "kind": "report"},
]
# Worked through, month by month; general situations only, never an individual youth.
PAST_NOTES = [
    ("Release-of-information form", "Schools and mental health will use one joint form."),
    ("Truancy referrals to probation", "Referrals go through the liaison, not individual staff."),
    ("Emergency disclosures", "Record each 99.36 disclosure in the shared log within a day."),
    ("School resource officer records", "SRO notes stay in the law-enforcement unit's records."),
    (
        "Part 2 consent in crisis plans",
        "Crisis plans name the treatment program only with consent.",
    ),
    ("Annual agreement review", "Start the review three months before the anniversary."),
]


def second_tuesday_on_or_after(day: date) -> date:
    while not (day.weekday() == 1 and week_of_month(day) == 2):
        day += timedelta(days=1)
    return day


def extend(session: Session, world) -> None:
    """Add the partnership's monthly review meetings to the demo."""
    partnership, actor = world.partnership, world.facilitator.user
    now = world.now
    data = services.SeriesData(
        title="Monthly partner review",
        rule="FREQ=MONTHLY;BYDAY=+2TU",
        starts_on=second_tuesday_on_or_after((now - timedelta(days=190)).date()),
        start_time=time(15, 0),
        duration_minutes=90,
        place="School district office, board room",
        video_url="https://meet.example.org/partner-review",
        agenda_template=AGENDA_TEMPLATE,
    )
    series = services.schedule_series(session, actor, partnership, data, now)
    meetings = session.scalars(
        select(Meeting).where(Meeting.series_id == series.id).order_by(Meeting.starts_at)
    ).all()
    past = [m for m in meetings if m.ends_at < now]
    absent_agency = world.agencies.get(Sector.CHILD_WELFARE)
    for number, meeting in enumerate(past):
        _hold(session, world, meeting, number, len(past), absent_agency)
    upcoming = [m for m in meetings if m.ends_at >= now]
    if upcoming:
        _prepare(session, world, upcoming[0], now)
    if len(upcoming) > 3:
        services.cancel_meeting(
            session, actor, upcoming[3], "Winter break: no meeting this month.", now
        )


def _hold(session, world, meeting, number: int, total: int, absent_agency) -> None:
    """Attendance, minutes and action items of a past meeting."""
    actor, now = world.facilitator.user, meeting.ends_at
    # The child welfare agency stopped coming: the last three meetings show it missing.
    attended = {
        m.id
        for m in world.members
        if not (absent_agency and m.partner_agency_id == absent_agency.id and number >= total - 3)
    }
    services.record_attendance(
        session, actor, meeting, world.members, attended, world.partnership.timezone, now
    )
    topic, decision = PAST_NOTES[number % len(PAST_NOTES)]
    session.flush()
    review = meeting.agenda_items[1]
    review.title = f"Procedure review: {topic}"
    entries = {
        item.id: services.ItemMinutes(
            notes="Discussed in general terms; no individual cases named.",
            decision=decision if item is review else "",
            is_finished=item is not meeting.agenda_items[2] or number % 2 == 0,
        )
        for item in meeting.agenda_items
    }
    services.save_minutes(
        session, actor, meeting, f"{len(attended)} members present.", entries, now
    )
    # The demo's history happened before anyone could be emailed about it.
    services.finalize_minutes(session, actor, meeting, now, email_members=False)
    owner = world.members[number % len(world.members)]
    item = services.add_action_item(
        session,
        actor,
        world.partnership,
        services.ActionItemData(
            title=f"Circulate the revised {topic.lower()} guidance",
            owner_membership_id=owner.id,
            owner_agency_id=owner.partner_agency_id,
            due_on=(meeting.starts_at + timedelta(days=21)).date(),
        ),
        now,
        meeting,
    )
    # Older action items are done; the last two stay open (one of them overdue by now).
    if number < total - 2:
        services.set_action_item_status(
            session, actor, item, ActionItemStatus.DONE, now + timedelta(days=10)
        )


def _prepare(session, world, meeting, now) -> None:
    """The next meeting: carried-forward items, a member's proposal, answers."""
    actor = world.facilitator.user
    services.carry_forward(session, actor, meeting, now)
    proposer = next((m for m in world.members if m is not world.facilitator), world.facilitator)
    services.add_agenda_item(
        session,
        proposer,
        meeting,
        services.AgendaItemData(
            title="Sharing attendance data with the juvenile court",
            minutes=15,
            kind=AgendaItemKind.SHARING_ISSUE,
            presenter_id=proposer.id,
        ),
        now,
    )
    for number, member in enumerate(world.members):
        if meeting.status is MeetingStatus.SCHEDULED and number % 3 != 2:
            services.respond(session, member, meeting, number % 4 != 3, now)
