"""The meetings pages, driven through the test client as facilitators and members use them."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from partnerhub.meetings import services
from partnerhub.meetings.models import (
    ActionItem,
    AgendaItem,
    AgendaItemStatus,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    MinutesRevision,
)
from partnerhub.partnerships.models import PartnerAgency, Sector
from tests.clock import NOW, TODAY


def series_form(**changes) -> dict:
    form = {
        "title": "Monthly partner review",
        "from_month": "2026-12",
        "start_time": "15:00",
        "duration_minutes": "90",
        "repeat": "monthly_weekday",
        "ordinal": "2",
        "weekday": "1",
        "custom_rule": "",
        "ends": "never",
        "place": "District office, room 4",
        "video_url": "",
        "reminders": "7d, 1d",
        "agenda_template": "Welcome | 5 | other\nProcedure review | 30 | procedure_review",
    }
    form.update(changes)
    return form


def meetings_of(db, partnership_id: int) -> list[Meeting]:
    db.expire_all()
    return list(
        db.scalars(
            select(Meeting)
            .where(Meeting.partnership_id == partnership_id)
            .order_by(Meeting.starts_at)
        )
    )


def upcoming(make, world, **fields) -> Meeting:
    meeting = make.meeting(world.partnership, NOW + timedelta(days=3), **fields)
    make.session.commit()
    return meeting


def test_a_facilitator_schedules_a_second_tuesday_series(client, login_as, world, db, base):
    login_as(world.facilitator.user)
    response = client.post(f"{base}/meetings/series/new", data=series_form())
    assert response.status_code == 302
    series = db.scalars(select(MeetingSeries)).one()
    assert series.rrule == "FREQ=MONTHLY;BYDAY=+2TU"
    assert series.timezone == "America/Denver"
    assert series.reminder_offsets == [10080, 1440]
    assert [i["kind"] for i in series.agenda_template] == ["other", "procedure_review"]
    meetings = meetings_of(db, world.partnership.id)
    assert meetings[0].starts_at == datetime(2026, 12, 8, 22, tzinfo=UTC)
    page = client.get(f"{base}/meetings").get_data(as_text=True)
    assert "Monthly on the second Tuesday" in page
    assert "District office, room 4" in page


def test_bad_series_input_is_shown_next_to_the_fields_and_kept(client, login_as, world, db, base):
    login_as(world.facilitator.user)
    form = series_form(
        repeat="custom",
        custom_rule="FREQ=MONTHLY;BYDAY=XX",
        reminders="a week",
        video_url="not a link",
    )
    response = client.post(f"{base}/meetings/series/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "is not like 7d, 1d or 2h" in page
    assert "Enter a full link" in page
    assert 'value="FREQ=MONTHLY;BYDAY=XX"' in page
    response = client.post(
        f"{base}/meetings/series/new", data={**form, "reminders": "7d", "video_url": ""}
    )
    assert "Not a valid RRULE" in response.get_data(as_text=True)
    assert db.scalar(select(func.count(MeetingSeries.id))) == 0


def test_a_series_can_end_after_a_number_of_meetings(client, login_as, world, db, base):
    login_as(world.facilitator.user)
    client.post(f"{base}/meetings/series/new", data=series_form(ends="count", count="3"))
    assert len(meetings_of(db, world.partnership.id)) == 3
    response = client.post(f"{base}/meetings/series/new", data=series_form(ends="until"))
    assert "Enter the last date." in response.get_data(as_text=True)


def test_moving_and_cancelling_one_occurrence(client, login_as, world, db, base, make):
    make.series(world.partnership, starts_on=TODAY + timedelta(days=1))
    db.commit()
    first, second = meetings_of(db, world.partnership.id)[:2]
    login_as(world.facilitator.user)
    edit = client.get(f"{base}/meetings/{first.id}/edit").get_data(as_text=True)
    assert 'value="15:00"' in edit
    client.post(
        f"{base}/meetings/{first.id}/edit",
        data={
            "title": first.title,
            "starts_on": (TODAY + timedelta(days=2)).isoformat(),
            "start_time": "10:00",
            "duration_minutes": "60",
            "place": "Library",
        },
    )
    response = client.post(f"{base}/meetings/{second.id}/cancel", data={"reason": ""})
    assert "Say why the meeting is cancelled." in response.get_data(as_text=True)
    client.post(f"{base}/meetings/{second.id}/cancel", data={"reason": "Holiday week"})
    first, second = meetings_of(db, world.partnership.id)[:2]
    assert (first.is_modified, first.place, first.sequence) == (True, "Library", 1)
    assert second.status is MeetingStatus.CANCELLED
    login_as(world.observer.user)
    page = client.get(f"{base}/meetings/{second.id}").get_data(as_text=True)
    assert "Holiday week" in page and "Cancelled" in page


def test_members_propose_agenda_items_and_facilitators_accept_them(
    client, login_as, world, db, base, make
):
    meeting = upcoming(make, world, title="Review")
    login_as(world.member.user)
    client.post(
        f"{base}/meetings/{meeting.id}/agenda",
        data={"title": "Truancy referrals", "minutes": "20", "kind": "sharing_issue"},
    )
    item = db.scalars(select(AgendaItem)).one()
    assert item.status is AgendaItemStatus.PROPOSED
    assert item.proposed_by_id == world.member.id
    login_as(world.facilitator.user)
    client.post(f"{base}/meetings/{meeting.id}/agenda/{item.id}/accept")
    db.refresh(item)
    assert item.status is AgendaItemStatus.ACCEPTED


def test_agenda_is_reordered_and_warns_when_it_runs_over(client, login_as, world, db, base, make):
    meeting = upcoming(make, world, minutes=60)
    login_as(world.facilitator.user)
    for title, minutes in (("Welcome", "10"), ("Procedures", "40"), ("Sharing issues", "30")):
        data = {"title": title, "minutes": minutes, "kind": "other", "presenter_id": "0"}
        client.post(f"{base}/meetings/{meeting.id}/agenda", data=data)
    items = db.scalars(select(AgendaItem).order_by(AgendaItem.position)).all()
    client.post(f"{base}/meetings/{meeting.id}/agenda/{items[2].id}/move/up")
    db.expire_all()
    titles = db.scalars(select(AgendaItem.title).order_by(AgendaItem.position)).all()
    assert titles == ["Welcome", "Sharing issues", "Procedures"]
    page = client.get(f"{base}/meetings/{meeting.id}").get_data(as_text=True)
    assert "80 of 60 minutes planned" in page
    assert "runs 20 minutes over" in page
    response = client.post(
        f"{base}/meetings/{meeting.id}/agenda", data={"title": "", "minutes": "x"}
    )
    assert response.status_code == 200 and "This field is required." in response.get_data(
        as_text=True
    )


def test_minutes_are_drafted_finalized_locked_and_reopened_with_versions(
    client, login_as, world, db, base, make
):
    meeting = make.meeting(world.partnership, NOW - timedelta(hours=2))
    db.commit()
    login_as(world.facilitator.user)
    client.post(
        f"{base}/meetings/{meeting.id}/agenda",
        data={"title": "Consent forms", "minutes": "15", "kind": "procedure_review"},
    )
    item = db.scalars(select(AgendaItem)).one()
    form_page = client.get(f"{base}/meetings/{meeting.id}/minutes").get_data(as_text=True)
    assert "Do not identify individual youth" in form_page
    client.post(
        f"{base}/meetings/{meeting.id}/minutes",
        data={
            "summary": "All agencies present.",
            "items-0-item_id": str(item.id),
            "items-0-notes": "Reviewed the release form.",
            "items-0-decision": "Adopt version 2.",
            "items-0-is_finished": "y",
        },
    )
    client.post(f"{base}/meetings/{meeting.id}/minutes/finalize")
    db.expire_all()
    meeting = db.get(Meeting, meeting.id)
    assert meeting.minutes.is_final and meeting.status is MeetingStatus.HELD
    assert db.get(AgendaItem, item.id).decision == "Adopt version 2."
    locked = client.get(f"{base}/meetings/{meeting.id}/minutes")
    assert locked.status_code == 302
    client.post(
        f"{base}/meetings/{meeting.id}/agenda",
        data={"title": "Late", "minutes": "5", "kind": "other"},
    )
    assert db.scalar(select(func.count(AgendaItem.id))) == 1
    client.post(f"{base}/meetings/{meeting.id}/minutes/reopen", data={"reason": "Wrong decision"})
    db.expire_all()
    revision = db.scalars(select(MinutesRevision)).one()
    assert revision.version == 1 and revision.reopened_by_id == world.facilitator.user.id
    assert revision.content["items"][0]["decision"] == "Adopt version 2."
    assert db.get(Meeting, meeting.id).minutes.version == 2
    printed = client.get(f"{base}/meetings/{meeting.id}/print").get_data(as_text=True)
    assert "Adopt version 2." in printed and "America/Denver" in printed


def test_members_answer_invitations_and_facilitators_record_attendance(
    client, login_as, world, db, base, make
):
    meeting = upcoming(make, world)
    login_as(world.member.user)
    client.post(f"{base}/meetings/{meeting.id}/respond", data={"answer": "decline"})
    answer = db.scalars(select(Attendance)).one()
    assert (answer.membership_id, answer.status) == (world.member.id, AttendanceStatus.DECLINED)
    login_as(world.facilitator.user)
    client.post(f"{base}/meetings/{meeting.id}/attendance", data={"attended": [world.member.id]})
    db.expire_all()
    assert db.get(Meeting, meeting.id).status is MeetingStatus.SCHEDULED  # not yet its day
    past = make.meeting(world.partnership, NOW - timedelta(hours=2))
    db.commit()
    client.post(f"{base}/meetings/{past.id}/attendance", data={"attended": [world.member.id]})
    db.expire_all()
    statuses = dict(
        db.execute(
            select(Attendance.membership_id, Attendance.status).where(
                Attendance.meeting_id == past.id
            )
        ).all()
    )
    assert statuses[world.member.id] is AttendanceStatus.ATTENDED
    assert statuses[world.facilitator.id] is AttendanceStatus.ABSENT
    assert db.get(Meeting, past.id).status is MeetingStatus.HELD


def test_an_agency_that_missed_the_last_three_meetings_is_highlighted(
    client, login_as, world, db, base, make
):
    police = make.agency(world.partnership, "Helena Police Department", Sector.LAW_ENFORCEMENT)
    police.joined_on = date(2020, 1, 1)
    db.get(PartnerAgency, world.member.partner_agency_id).joined_on = date(2020, 1, 1)
    officer = make.member(world.partnership, agency=police)
    for weeks in (4, 3, 2, 1):
        meeting = make.meeting(world.partnership, NOW - timedelta(weeks=weeks))
        meeting.status = MeetingStatus.HELD
        db.add(
            Attendance(
                meeting_id=meeting.id,
                membership_id=world.member.id,
                status=AttendanceStatus.ATTENDED,
            )
        )
        present = AttendanceStatus.ATTENDED if weeks == 4 else AttendanceStatus.ABSENT
        db.add(Attendance(meeting_id=meeting.id, membership_id=officer.id, status=present))
    db.commit()
    login_as(world.observer.user)
    page = client.get(f"{base}/meetings/attendance").get_data(as_text=True)
    assert 'Helena Police Department <span class="badge text-bg-danger">Missed the last 3' in page
    assert "Helena Public Schools <span" not in page
    world.partnership.absence_flag_after = 4  # the partnership's own setting
    db.commit()
    page = client.get(f"{base}/meetings/attendance").get_data(as_text=True)
    assert "Missed the last" not in page
    assert "missed the last 4 meetings are highlighted" in page


def test_action_items_and_overdue_ones_on_the_dashboard(client, login_as, world, db, base, make):
    meeting = upcoming(make, world)
    login_as(world.facilitator.user)
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    response = client.post(
        f"{base}/meetings/{meeting.id}/action-items", data={"title": "Draft MOU"}
    )
    assert "Name an owner" in response.get_data(as_text=True)
    client.post(
        f"{base}/meetings/{meeting.id}/action-items",
        data={"title": "Draft MOU", "owner_membership_id": world.member.id, "due_on": yesterday},
    )
    item = db.scalars(select(ActionItem)).one()
    page = client.get(f"{base}/action-items").get_data(as_text=True)
    assert "Draft MOU" in page and "Overdue" in page
    from partnerhub.partnerships.registry import registry

    with client.application.test_request_context():
        labels = [
            a.label
            for s in registry.attention_sources
            if s.__module__ == "partnerhub.meetings.views.overview"  # other modules add their own
            for a in s(db, [world.partnership.id], TODAY)
            if a.url.endswith("/action-items")
        ]
    assert labels == ["1 overdue action item"]
    # The owner marks it done; an observer may not.
    login_as(world.observer.user)
    assert (
        client.post(f"{base}/action-items/{item.id}/status", data={"status": "done"}).status_code
        == 403
    )
    login_as(world.member.user)
    client.post(f"{base}/action-items/{item.id}/status", data={"status": "done"})
    db.expire_all()
    assert db.get(ActionItem, item.id).completed_at is not None
    mine = client.get("/calendar").get_data(as_text=True)
    assert 'My open action items</h2>\n\n<p class="text-muted">None.</p>' in mine


def test_each_action_item_names_its_owner_agency_and_meeting(client, login_as, db, make):
    fiona = make.user("Fiona Facilitator")
    partnership = make.partnership(fiona, timezone="America/Denver")
    pid = partnership.id
    police = make.agency(partnership, "Helena Police")
    officer = make.member(partnership, make.user("Olive Officer"), agency=police)
    make.meeting(partnership)  # so the meeting's id is not the item's
    held = make.meeting(partnership, datetime(2026, 3, 11, 2, tzinfo=UTC))  # 10 Mar in Helena
    drafted = ActionItem(
        partnership_id=pid,
        meeting_id=held.id,
        title="Draft MOU",
        owner_membership_id=officer.id,
        owner_agency_id=police.id,
    )
    called = ActionItem(partnership_id=pid, title="Call the courts", owner_agency_id=police.id)
    db.add_all([drafted, called])
    db.commit()

    page = login_as(fiona).get(f"/partnerships/{pid}/action-items").get_data(as_text=True)
    rows = {
        title: row
        for row in page.split("<tr")[2:]
        for title in ("Draft MOU", "Call the courts")
        if title in row
    }

    assert "Olive Officer" in rows["Draft MOU"] and "Helena Police" in rows["Draft MOU"]
    assert f'<a href="/partnerships/{pid}/meetings/{held.id}">10 Mar 2026</a>' in rows["Draft MOU"]
    assert "Helena Police" in rows["Call the courts"] and "Olive" not in rows["Call the courts"]
    assert "None" not in rows["Call the courts"] and "/meetings/" not in rows["Call the courts"]
    for item in (drafted, called):
        action = f'action="/partnerships/{pid}/action-items/{item.id}/status"'
        assert action in rows[item.title] and 'name="csrf_token"' in rows[item.title]
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # each row's form carries its token without an id


def test_minutes_of_a_meeting_not_yet_held_cannot_be_final(client, login_as, world, db, base, make):
    meeting = make.meeting(world.partnership, NOW + timedelta(minutes=30))
    db.commit()
    login_as(world.facilitator.user)
    client.post(f"{base}/meetings/{meeting.id}/minutes", data={"summary": "Prepared notes."})
    refused = client.post(f"{base}/meetings/{meeting.id}/minutes/finalize", follow_redirects=True)
    assert "has not started yet" in refused.get_data(as_text=True)
    db.expire_all()
    meeting = db.get(Meeting, meeting.id)
    assert not meeting.minutes.is_final and meeting.status is MeetingStatus.SCHEDULED


def test_carry_forward_keeps_standing_items_once(client, login_as, world, db, base, make):
    earlier = make.meeting(world.partnership, NOW - timedelta(days=30))
    meeting = upcoming(make, world)
    for held in (earlier, meeting):  # the series' standing items, on every agenda
        db.add_all(
            [
                AgendaItem(meeting_id=held.id, position=1, title="Welcome", minutes=5),
                AgendaItem(meeting_id=held.id, position=2, title="Procedure review", minutes=30),
            ]
        )
    db.add(AgendaItem(meeting_id=earlier.id, position=3, title="New sharing issues", minutes=20))
    db.commit()
    login_as(world.facilitator.user)
    client.post(f"{base}/meetings/{meeting.id}/carry-forward")
    agenda = db.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.position)
    ).all()
    assert [item.title for item in agenda] == ["Welcome", "Procedure review", "New sharing issues"]
    assert sum(item.minutes for item in agenda) == 55


def test_carry_forward_brings_unfinished_items_and_open_actions_once(
    client, login_as, world, db, base, make
):
    earlier = make.meeting(world.partnership, NOW - timedelta(days=30))
    db.add_all(
        [
            AgendaItem(meeting_id=earlier.id, position=1, title="Finished", is_finished=True),
            AgendaItem(meeting_id=earlier.id, position=2, title="Still open"),
            ActionItem(
                partnership_id=world.partnership.id,
                title="Call the court",
                owner_membership_id=world.member.id,
            ),
        ]
    )
    meeting = upcoming(make, world)
    login_as(world.facilitator.user)
    for _ in range(2):
        client.post(f"{base}/meetings/{meeting.id}/carry-forward")
    titles = db.scalars(
        select(AgendaItem.title)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.position)
    ).all()
    assert titles == ["Still open", "Follow-up: Call the court"]


def test_a_meeting_downloads_as_ics(client, login_as, world, make, base):
    meeting = upcoming(make, world, place="Room 4")
    login_as(world.observer.user)
    response = client.get(f"{base}/meetings/{meeting.id}/meeting.ics")
    assert response.mimetype == "text/calendar"
    assert f"UID:{meeting.uid}" in response.get_data(as_text=True)


def test_feed_urls_work_until_replaced_or_revoked(client, login_as, world, db, base, make):
    meeting = upcoming(make, world)
    login_as(world.member.user)
    response = client.post(f"{base}/calendar/subscribe", follow_redirects=True)
    page = response.get_data(as_text=True)
    url = page[page.index("http://") : page.index(".ics") + 4]
    path = url.removeprefix("http://partnerhub.test").removeprefix("http://localhost")
    feed = client.get(path)
    assert feed.status_code == 200 and meeting.uid in feed.get_data(as_text=True)
    client.post(f"{base}/calendar/subscribe")  # a new URL; the old one stops working
    assert client.get(path).status_code == 404

    client.post("/calendar/subscribe", follow_redirects=True)
    mine = client.get("/calendar").get_data(as_text=True)
    assert "Stop the URL" in mine
    client.post("/calendar/revoke")
    assert "Get a private calendar URL" in client.get("/calendar").get_data(as_text=True)


def test_another_partnerships_meeting_is_not_found(client, login_as, world, db, make):
    other = make.meeting(world.other_partnership)
    db.commit()
    login_as(world.facilitator.user)
    base = f"/partnerships/{world.partnership.id}"
    assert client.get(f"{base}/meetings/{other.id}").status_code == 404
    assert (
        client.post(f"{base}/meetings/{other.id}/cancel", data={"reason": "x"}).status_code == 404
    )


def test_a_partnership_feed_stops_working_when_its_owner_leaves(world, db):
    token = services.subscribe(db, world.member.user, world.partnership.id, NOW)
    assert services.feed_for_token(db, token).user_id == world.member.user.id
    world.member.left_at = NOW
    db.flush()
    assert services.feed_for_token(db, token) is None
    assert services.feed_for_token(db, token[:-1]) is None


def test_changing_a_series_from_a_date_through_the_form(client, login_as, world, db, base, make):
    series = make.series(world.partnership, starts_on=TODAY - timedelta(days=60))
    db.commit()
    login_as(world.facilitator.user)
    form_page = client.get(f"{base}/meetings/series/{series.id}/edit").get_data(as_text=True)
    assert '<option selected value="monthly_weekday">' in form_page
    assert '<option selected value="2">2nd</option>' in form_page
    assert f'value="{TODAY:%Y-%m}"' in form_page
    response = client.post(
        f"{base}/meetings/series/{series.id}/edit",
        data=series_form(from_month=f"{TODAY:%Y-%m}", repeat="weekly", start_time="09:00"),
    )
    assert response.status_code == 302
    db.expire_all()
    newer = db.scalars(select(MeetingSeries).where(MeetingSeries.continues_id == series.id)).one()
    assert newer.rrule.startswith("FREQ=WEEKLY")
    assert "UNTIL=" in db.get(MeetingSeries, series.id).rrule


@pytest.mark.parametrize(
    ("pattern", "rule", "first"),
    [
        ({"repeat": "monthly_weekday", "ordinal": "2"}, "FREQ=MONTHLY;BYDAY=+2TU", "2027-01-12"),
        ({"repeat": "monthly_last_weekday"}, "FREQ=MONTHLY;BYDAY=-1TU", "2027-01-26"),
        ({"repeat": "weekly"}, "FREQ=WEEKLY;BYDAY=TU", "2027-01-05"),
        (
            {"repeat": "every_n_weeks", "interval": "2"},
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
            "2027-01-05",
        ),
        ({"repeat": "monthly_date", "day": "15"}, "FREQ=MONTHLY;BYMONTHDAY=15", "2027-01-15"),
    ],
)
def test_a_series_is_set_by_pattern_and_month_and_its_first_date_worked_out(
    client, login_as, world, db, base, pattern, rule, first
):
    login_as(world.facilitator.user)
    form = series_form(from_month="2027-01", start_time="15:30", weekday="1", **pattern)
    response = client.post(f"{base}/meetings/series/new", data=form)
    assert response.status_code == 302
    series = db.scalars(select(MeetingSeries)).one()
    assert (series.rrule, series.starts_on.isoformat()) == (rule, first)
    first_meeting = meetings_of(db, world.partnership.id)[0]
    assert first_meeting.starts_at.astimezone(ZoneInfo("America/Denver")).isoformat() == (
        f"{first}T15:30:00-07:00"
    )


@pytest.mark.parametrize(
    ("pattern", "field", "message"),
    [
        ({"repeat": "monthly_date", "day": "31"}, "day", "Choose a day from 1 to 28"),
        ({"repeat": "monthly_date", "day": ""}, "day", "Enter the day of the month."),
        ({"repeat": "every_n_weeks", "interval": ""}, "interval", "Enter every how many weeks."),
        ({"repeat": "every_n_weeks", "interval": "1"}, "interval", "from 2 to 12"),
        ({"from_month": ""}, "from_month", "Enter the month of the first meeting."),
        (
            {"ends": "until", "until": "2027-01-05"},
            "until",
            "The last date is before the first meeting (12 Jan 2027).",
        ),
    ],
)
def test_a_bad_pattern_is_explained_at_its_field_and_what_was_typed_kept(
    client, login_as, world, db, base, pattern, field, message
):
    login_as(world.facilitator.user)
    form = series_form(**{"from_month": "2027-01", "title": "Quarterly data review", **pattern})
    response = client.post(f"{base}/meetings/series/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    feedback = re.search(
        rf'id="{field}".*?<div class="invalid-feedback d-block">([^<]*)</div>', page, re.S
    )
    assert feedback and message in html.unescape(feedback[1])
    assert 'value="Quarterly data review"' in page
    assert "District office, room 4" in page
    assert db.scalar(select(func.count(MeetingSeries.id))) == 0


def test_the_series_notes_are_kept_and_shown(client, login_as, world, db, base):
    login_as(world.facilitator.user)
    client.post(f"{base}/meetings/series/new", data=series_form(description="No meeting in July."))
    assert db.scalars(select(MeetingSeries)).one().description == "No meeting in July."
    page = client.get(f"{base}/meetings").get_data(as_text=True)
    assert "No meeting in July." in page
    assert "Monthly on the second Tuesday, 15:00\N{EN DASH}16:30 (America/Denver)" in page


def test_the_meetings_page_says_since_when_my_feed_of_it_works(client, login_as, world, db, base):
    member, offer = world.member.user, "Get a private calendar URL"
    login_as(member)
    services.subscribe(db, member, None, NOW - timedelta(days=60))  # all my meetings: not this
    db.commit()
    assert offer in client.get(f"{base}/meetings").get_data(as_text=True)

    made = datetime(2026, 11, 3, 3, 30, tzinfo=UTC)  # still 2 November where the partnership is
    services.subscribe(db, member, world.partnership.id, made)
    db.commit()
    page = client.get(f"{base}/meetings").get_data(as_text=True)
    local = made.astimezone(ZoneInfo(world.partnership.timezone))
    assert f"You have a private URL since {local:%d %b %Y}." in page
    assert offer not in page

    services.unsubscribe(db, member, world.partnership.id, NOW)
    db.commit()
    assert offer in client.get(f"{base}/meetings").get_data(as_text=True)
