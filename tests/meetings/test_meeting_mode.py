"""Meeting mode: running a meeting from one page, with or without JavaScript.

The clock per agenda item, notes per item that make up the draft minutes (two writers never
erase each other), attendance by tapping names, carrying one item to the next meeting, and
the agenda's order set in one step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from partnerhub.audit.models import AuditEvent
from partnerhub.errors import DomainError, InvalidTransition
from partnerhub.identifiers import IdentifiersFound
from partnerhub.meetings import services
from partnerhub.meetings.models import (
    AgendaItem,
    AgendaItemStatus,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingStatus,
)
from tests.clock import NOW


def running_meeting(make, world, titles=("Attendance data", "Consent form", "New issues")):
    """A meeting that began ten minutes ago, its agenda in order, and the next one."""
    meeting = make.meeting(world.partnership, NOW - timedelta(minutes=10), title="March review")
    for position, title in enumerate(titles, start=1):
        make.session.add(
            AgendaItem(meeting_id=meeting.id, position=position, title=title, minutes=10)
        )
    following = make.meeting(world.partnership, NOW + timedelta(days=28), title="April review")
    make.session.commit()
    return meeting, following


def items_of(db, meeting) -> list[AgendaItem]:
    db.expire_all()
    return list(db.get(Meeting, meeting.id).agenda_items)


def mode_url(base, meeting) -> str:
    return f"{base}/meetings/{meeting.id}/run"


def item_url(base, meeting, item) -> str:
    return f"{base}/meetings/{meeting.id}/agenda/{item.id}"


# --- the clock ---------------------------------------------------------------------------


def test_next_starts_the_first_item_then_moves_the_clock_on(db, make, world):
    meeting, _ = running_meeting(make, world)
    first, second, _third = items_of(db, meeting)
    actor = world.facilitator.user

    assert services.next_agenda_item(db, actor, first.meeting, NOW) is first
    later = NOW + timedelta(minutes=13)
    assert services.next_agenda_item(db, actor, first.meeting, later) is second

    assert (first.started_at, first.ended_at) == (NOW, later)
    assert first.elapsed_seconds(later + timedelta(hours=1)) == 13 * 60
    assert second.is_running and second.elapsed_seconds(later + timedelta(minutes=2)) == 120


def test_starting_an_item_stops_the_one_running(db, make, world):
    meeting, _ = running_meeting(make, world)
    first, _, third = items_of(db, meeting)
    actor = world.facilitator.user
    services.start_agenda_item(db, actor, first, NOW)
    services.start_agenda_item(db, actor, third, NOW + timedelta(minutes=4))
    assert not first.is_running and first.elapsed_seconds(NOW + timedelta(hours=1)) == 240
    assert third.is_running


def test_next_after_the_last_item_stops_the_clock(db, make, world):
    meeting, _ = running_meeting(make, world, titles=("Only item",))
    (only,) = items_of(db, meeting)
    actor = world.facilitator.user
    services.next_agenda_item(db, actor, only.meeting, NOW)
    assert services.next_agenda_item(db, actor, only.meeting, NOW + timedelta(minutes=1)) is None
    assert not only.is_running


# --- notes -------------------------------------------------------------------------------


def test_item_notes_make_the_draft_minutes_in_agenda_order(client, login_as, db, make, world, base):
    meeting, _ = running_meeting(make, world)
    first, second, _ = items_of(db, meeting)
    actor = world.facilitator.user
    services.save_item_notes(db, actor, second, "The consent form is agreed.", 0, NOW)
    services.save_item_notes(db, actor, first, "Attendance is up at both schools.", 0, NOW)
    db.commit()

    assert db.get(Meeting, meeting.id).minutes.status.value == "draft"
    login_as(actor)
    printed = client.get(f"{base}/meetings/{meeting.id}/print").get_data(as_text=True)
    assert printed.index("Attendance is up") < printed.index("The consent form is agreed")


def test_a_save_from_notes_changed_since_is_refused_and_keeps_both_texts(db, make, world):
    meeting, _ = running_meeting(make, world)
    first, *_ = items_of(db, meeting)
    services.save_item_notes(db, world.facilitator.user, first, "Schools: up 4%.", 0, NOW)
    db.commit()

    with pytest.raises(services.NotesChanged, match="Fiona Facilitator saved the notes"):
        services.save_item_notes(db, world.member.user, first, "Police: no change.", 0, NOW)
    db.rollback()
    assert db.get(AgendaItem, first.id).notes == "Schools: up 4%."

    combined = "Schools: up 4%.\n\nPolice: no change."
    services.save_item_notes(db, world.member.user, first, combined, 1, NOW)
    assert (first.notes, first.notes_version) == (combined, 2)


def test_notes_that_may_identify_a_youth_are_refused_unless_kept(db, make, world):
    meeting, _ = running_meeting(make, world)
    first, *_ = items_of(db, meeting)
    text = "A student (DOB 3/14/2009) was cited."
    with pytest.raises(IdentifiersFound):
        services.save_item_notes(db, world.facilitator.user, first, text, 0, NOW)
    db.rollback()
    first = db.get(AgendaItem, first.id)
    services.save_item_notes(
        db, world.facilitator.user, first, text, 0, NOW, keep_reason="Court order"
    )
    assert first.notes == text


def test_notes_of_final_minutes_are_refused(app, db, make, world):
    meeting, _ = running_meeting(make, world)
    first, *_ = items_of(db, meeting)
    with app.app_context():  # finalizing writes the members' emails
        services.finalize_minutes(db, world.facilitator.user, first.meeting, NOW)
    with pytest.raises(InvalidTransition, match="final"):
        services.save_item_notes(db, world.facilitator.user, first, "Late note", 0, NOW)


# --- attendance, carrying, order --------------------------------------------------------


def test_tapping_a_name_marks_one_person_present_then_absent(db, make, world):
    meeting, _ = running_meeting(make, world)
    meeting = db.get(Meeting, meeting.id)
    actor, member = world.facilitator.user, world.member
    services.mark_attendance(db, actor, meeting, member, True, "America/Denver", NOW)
    services.mark_attendance(db, actor, meeting, world.observer, True, "America/Denver", NOW)
    services.mark_attendance(db, actor, meeting, member, False, "America/Denver", NOW)
    db.commit()
    statuses = {a.membership_id: a.status for a in db.scalars(select(Attendance))}
    assert statuses == {
        member.id: AttendanceStatus.ABSENT,
        world.observer.id: AttendanceStatus.ATTENDED,
    }
    assert meeting.status is MeetingStatus.HELD


def test_an_item_is_carried_to_the_next_meeting_once(db, make, world):
    meeting, following = running_meeting(make, world)
    _, second, _ = items_of(db, meeting)
    second.is_finished = True
    services.carry_to_next_meeting(db, world.facilitator.user, second, NOW)
    db.commit()
    carried = items_of(db, following)
    assert [(i.title, i.carried_from_id) for i in carried] == [("Consent form", second.id)]
    assert not db.get(AgendaItem, second.id).is_finished  # unfinished: it goes on next time

    with pytest.raises(InvalidTransition, match="already on the next meeting"):
        services.carry_to_next_meeting(db, world.facilitator.user, second, NOW)


def test_carrying_without_a_next_meeting_says_to_schedule_it(db, make, world):
    meeting = make.meeting(world.partnership, NOW - timedelta(minutes=5))
    item = AgendaItem(meeting_id=meeting.id, position=1, title="Budget")
    db.add(item)
    db.commit()
    with pytest.raises(InvalidTransition, match="schedule it"):
        services.carry_to_next_meeting(db, world.facilitator.user, item, NOW)


def test_reordering_takes_every_item_once(db, make, world):
    meeting, following = running_meeting(make, world)
    first, second, third = items_of(db, meeting)
    other = AgendaItem(meeting_id=following.id, position=1, title="Elsewhere")
    db.add(other)
    db.flush()
    meeting = first.meeting
    for wrong in ([third.id, first.id], [third.id, first.id, other.id], [1, 1, 1]):
        with pytest.raises(DomainError, match="every item of this agenda once"):
            services.reorder_agenda(db, world.facilitator.user, meeting, wrong, NOW)
    services.reorder_agenda(
        db, world.facilitator.user, meeting, [third.id, first.id, second.id], NOW
    )
    db.commit()
    assert [i.title for i in items_of(db, meeting)] == [
        "New issues",
        "Attendance data",
        "Consent form",
    ]


# --- pages -------------------------------------------------------------------------------


def test_facilitators_run_the_meeting_and_members_follow_it(client, login_as, make, world, base):
    meeting, _ = running_meeting(make, world)
    login_as(world.facilitator.user)
    page = client.get(mode_url(base, meeting)).get_data(as_text=True)
    for control in ("Next item", "Save notes", "Carry to next meeting", "Add action item", "⠿"):
        assert control in page
    assert "Helena Public Schools · Not marked" in page  # names with their agencies
    assert 'src="/meetings-assets/meeting_mode.js"' in page and "<script>" not in page
    assert "style=" not in page

    login_as(world.member.user)
    page = client.get(mode_url(base, meeting)).get_data(as_text=True)
    assert "You are following the meeting" in page
    assert "Save notes" not in page and "Next item" not in page and "/run/" not in page


def test_without_javascript_each_control_posts_and_returns_to_its_place(
    client, login_as, db, make, world, base
):
    meeting, following = running_meeting(make, world)
    first, second, _ = items_of(db, meeting)
    login_as(world.facilitator.user)
    run, first_url, second_url = (
        mode_url(base, meeting),
        *(item_url(base, meeting, item) for item in (first, second)),
    )
    agency = str(world.member.partner_agency_id)
    action = {"title": "Send the form", "owner_membership_id": "0", "owner_agency_id": agency}
    posts = [
        (f"{first_url}/start", {}, f"#item-{first.id}"),
        (f"{run}/next", {}, f"#item-{second.id}"),
        (f"{first_url}/notes", {"notes": "Up 4%", "version": "0"}, f"#item-{first.id}"),
        (f"{run}/attendance/{world.member.id}", {"present": "yes"}, f"#member-{world.member.id}"),
        (f"{second_url}/carry", {}, f"#item-{second.id}"),
        (f"{run}/action-items", {**action, "due_on": "2026-04-01"}, "#action-items"),
    ]
    for url, data, anchor in posts:
        response = client.post(url, data=data)
        assert response.status_code == 302, url
        assert response.headers["Location"].endswith(f"/meetings/{meeting.id}/run{anchor}")
    page = client.get(mode_url(base, meeting)).get_data(as_text=True)
    assert "Up 4%" in page and "Send the form" in page and "Helena Public Schools" in page
    assert "On the next meeting's agenda" in page
    assert "Running" in page and 'aria-pressed="true"' in page
    assert [i.title for i in items_of(db, following)] == ["Consent form"]


def test_a_refused_note_comes_back_with_what_was_typed(client, login_as, db, make, world, base):
    meeting, _ = running_meeting(make, world)
    first, *_ = items_of(db, meeting)
    services.save_item_notes(db, world.member.user, first, "Police: no change.", 0, NOW)
    db.commit()
    login_as(world.facilitator.user)
    response = client.post(
        f"{item_url(base, meeting, first)}/notes", data={"notes": "Schools: up 4%.", "version": "0"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Mo Member saved the notes of “Attendance data” while you were writing" in page
    assert "Schools: up 4%." in page and "Police: no change." in page
    assert 'name="version" type="hidden" value="1"' in page  # saving again replaces, knowingly


def test_notes_kept_as_written_without_a_reason_come_back_ticked_with_the_text(
    client, login_as, db, make, world, base
):
    meeting, _ = running_meeting(make, world)
    first, *_ = items_of(db, meeting)
    login_as(world.facilitator.user)
    notes = "\nDOB 3/14/2009 <per school>"  # begins with a line break
    refused = client.post(
        f"{item_url(base, meeting, first)}/notes",
        data={"notes": notes, "version": "0", "keep_as_written": "y", "keep_reason": " "},
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "Say why the text must stay as written." in page
    assert f'<input checked class="form-check-input" id="keep-{first.id}"' in page
    assert "data-keep hidden" not in page.split(f'id="item-{first.id}"')[1].split("</form>")[0]
    assert f'id="notes-{first.id}" maxlength="10000" name="notes" rows="4">\n\nDOB' in page
    assert "&lt;per school&gt;</textarea>" in page
    db.expire_all()
    assert db.get(AgendaItem, first.id).notes in ("", None)


def test_autosave_answers_in_json(client, login_as, db, make, world, base):
    meeting, _ = running_meeting(make, world)
    first, *_ = items_of(db, meeting)
    login_as(world.facilitator.user)
    url = f"{item_url(base, meeting, first)}/notes"
    json = {"Accept": "application/json"}

    saved = client.post(url, data={"notes": "Up 4%", "version": "0"}, headers=json)
    assert (saved.status_code, saved.json) == (200, {"saved": True, "version": 1})
    stale = client.post(url, data={"notes": "Down 2%", "version": "0"}, headers=json)
    assert stale.status_code == 409
    assert stale.json["theirs"] == "Up 4%" and stale.json["version"] == 1
    assert "while you were writing" in stale.json["error"]
    youth = client.post(url, data={"notes": "DOB 3/14/2009", "version": "1"}, headers=json)
    assert youth.status_code == 422 and youth.json["identifiers"]
    broken = client.post(url, data={"notes": "x", "version": "one"}, headers=json)
    assert broken.status_code == 400 and broken.json["error"]
    db.expire_all()
    assert db.get(AgendaItem, first.id).notes == "Up 4%"


def test_the_order_endpoint_refuses_what_is_not_this_agenda(
    client, login_as, db, make, world, base
):
    meeting, following = running_meeting(make, world)
    first, second, third = items_of(db, meeting)
    elsewhere = AgendaItem(meeting_id=following.id, position=1, title="Elsewhere")
    db.add(elsewhere)
    db.commit()
    login_as(world.facilitator.user)
    url = f"{base}/meetings/{meeting.id}/agenda/order"
    for order in (f"{first.id},{second.id},{elsewhere.id}", "1,two,3", "", f"{first.id}"):
        response = client.post(url, data={"order": order})
        assert response.status_code == 400, order
        assert response.json["error"]
    assert [i.id for i in items_of(db, meeting)] == [first.id, second.id, third.id]
    assert not db.scalars(select(AuditEvent).where(AuditEvent.action == "agenda.reordered")).all()

    response = client.post(url, data={"order": f"{third.id},{first.id},{second.id}"})
    assert response.json == {"saved": True, "order": [third.id, first.id, second.id]}
    assert [i.title for i in items_of(db, meeting)] == [
        "New issues",
        "Attendance data",
        "Consent form",
    ]


def test_the_order_is_saved_with_the_csrf_header_and_refused_without(
    app, client, login_as, db, make, world, base
):
    meeting, _ = running_meeting(make, world)
    first, second, third = items_of(db, meeting)
    login_as(world.facilitator.user)
    page = client.get(mode_url(base, meeting)).get_data(as_text=True)
    app.config["WTF_CSRF_ENABLED"] = True
    token = page.split('data-csrf="', 1)[1].split('"', 1)[0]
    url = f"{base}/meetings/{meeting.id}/agenda/order"
    order = {"order": f"{third.id},{second.id},{first.id}"}
    assert client.post(url, data=order).status_code == 400
    assert items_of(db, meeting)[0].title == "Attendance data"
    assert client.post(url, data=order, headers={"X-CSRFToken": token}).status_code == 200
    assert items_of(db, meeting)[0].title == "New issues"


def test_other_partnerships_items_are_not_found(client, login_as, db, make, world, base):
    meeting, _ = running_meeting(make, world)
    stranger = make.meeting(world.other_partnership, NOW)
    foreign = AgendaItem(meeting_id=stranger.id, position=1, title="Theirs")
    db.add(foreign)
    db.commit()
    login_as(world.facilitator.user)
    for action in ("start", "notes", "carry"):
        url = f"{item_url(base, meeting, foreign)}/{action}"
        assert client.post(url, data={"notes": "x", "version": "0"}).status_code == 404
    outsider = world.other_facilitator.id
    url = f"{base}/meetings/{meeting.id}/run/attendance/{outsider}"
    assert client.post(url, data={"present": "yes"}).status_code == 404


def test_the_page_runs_the_same_queries_however_long_the_agenda(
    client, login_as, db, make, world, base, count_queries
):
    meeting, following = running_meeting(make, world, titles=("One",))
    login_as(world.facilitator.user)

    def queries() -> int:
        with count_queries() as statements:
            assert client.get(mode_url(base, meeting)).status_code == 200
        return len(statements)

    few = queries()
    for n in range(8):
        member = make.member(world.partnership)
        item = AgendaItem(
            meeting_id=meeting.id, position=n + 2, title=f"Item {n}", presenter_id=member.id
        )
        db.add(item)
        db.flush()
        db.add(
            AgendaItem(
                meeting_id=following.id, position=n + 1, title=item.title, carried_from_id=item.id
            )
        )
        db.add(
            Attendance(
                meeting_id=meeting.id, membership_id=member.id, status=AttendanceStatus.ATTENDED
            )
        )
    db.add(
        AgendaItem(
            meeting_id=meeting.id, position=20, title="Proposed", status=AgendaItemStatus.PROPOSED
        )
    )
    db.commit()
    assert queries() == few
