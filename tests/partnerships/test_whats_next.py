"""The dashboard says what to do next, and the "waiting for me" page lists what is mine."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from partnerhub.meetings.models import ActionItem, Attendance, AttendanceStatus
from partnerhub.notifications.models import FlagKind
from partnerhub.partnerships.models import PartnerAgency, Role, Sector
from tests.clock import NOW, TODAY


def school_of(db, world) -> PartnerAgency:
    return db.get(PartnerAgency, world.member.partner_agency_id)


def everything_for_the_member(make, db, world):
    """A meeting ahead, an overdue action item, a version to sign off and an agreement to
    sign, all waiting for the world's member (who represents the school)."""
    school = school_of(db, world)
    meeting = make.meeting(world.partnership, title="March partner meeting")
    item = ActionItem(
        partnership_id=world.partnership.id,
        title="Draft the consent form",
        owner_membership_id=world.member.id,
        due_on=TODAY - timedelta(days=2),
    )
    db.add(item)
    make.procedure(school, "Attendance sharing", status="in_review")
    make.agreement(world.partnership, [school], title="Helena IGA 2026", sent=True)
    db.commit()
    return meeting, item


def test_dashboard_shows_meetings_action_items_sign_offs_signatures_then_partnerships(
    client, make, db, world, login_as
):
    everything_for_the_member(make, db, world)
    page = login_as(world.member.user).get("/").text

    order = [
        "Upcoming meetings",
        "March partner meeting",
        "Your action items",
        "Draft the consent form",
        "Sign-offs waiting for you",
        "“Attendance sharing” version 1",
        "Signatures your agency owes",
        "Helena IGA 2026",
        "Your partnerships",
    ]
    positions = [page.index(text) for text in order]
    assert positions == sorted(positions)
    assert '<span class="badge text-bg-danger">overdue</span>' in page
    assert "I will attend" in page and 'name="back" value="dashboard"' in page
    # The member is not the school's signatory here: the signature is listed, not recordable.
    assert "awaits the signature of Helena Public Schools" in page


def test_one_click_rsvp_from_the_dashboard_comes_back_to_it(client, make, db, world, login_as):
    meeting, _ = everything_for_the_member(make, db, world)
    login_as(world.member.user)
    url = f"/partnerships/{world.partnership.id}/meetings/{meeting.id}/respond"

    answered = client.post(url, data={"answer": "accept", "back": "dashboard"})

    assert answered.status_code == 302 and answered.location == "/"
    answer = db.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id)).one()
    assert answer.status is AttendanceStatus.ACCEPTED
    page = client.get("/").text
    assert "You will attend March partner meeting." in page
    assert "Your answer: <strong>Accepted</strong>" in page


def test_an_answer_goes_back_only_to_a_named_page(client, make, db, world, login_as):
    meeting, _ = everything_for_the_member(make, db, world)
    login_as(world.member.user)
    url = f"/partnerships/{world.partnership.id}/meetings/{meeting.id}/respond"
    answered = client.post(url, data={"answer": "decline", "back": "https://example.com/"})
    assert answered.location.endswith(f"/meetings/{meeting.id}")


def test_observers_see_meetings_without_answer_buttons(client, make, db, world, login_as):
    everything_for_the_member(make, db, world)
    page = login_as(world.observer.user).get("/").text
    assert "March partner meeting" in page and "I will attend" not in page


def test_a_facilitator_without_meetings_is_asked_to_schedule_the_first(client, make, db, login_as):
    facilitator = make.user()
    partnership = make.partnership(facilitator, name="Butte Youth Partnership")
    member = make.member(partnership)
    db.commit()

    page = login_as(facilitator).get("/").text
    assert "No meetings are scheduled ahead." in page
    assert f'href="/partnerships/{partnership.id}/meetings/series/new"' in page
    assert "Schedule the first meeting" in page

    page = login_as(member.user).get("/").text
    assert "A facilitator schedules them" in page and "Schedule the first meeting" not in page


def test_a_new_user_is_told_to_start_a_partnership_or_wait_for_an_invitation(
    client, make, db, login_as
):
    user = make.user()
    db.commit()
    page = login_as(user).get("/").text
    assert "or wait for a facilitator" in page
    assert 'href="/partnerships/new"' in page
    assert "Upcoming meetings" not in page
    assert "not on any partnership" in login_as(user).get("/waiting").text


def test_waiting_page_lists_only_what_waits_for_me(client, make, db, world, login_as):
    meeting, item = everything_for_the_member(make, db, world)
    make.flag(
        world.partnership,
        kind=FlagKind.ACTION_ITEM_OVERDUE,
        subject=f"action_item:{item.id}",
        title="Draft the consent form",
        due_on=TODAY - timedelta(days=2),
    )
    make.flag(world.partnership, title="Helena IGA 2025")  # an agreement's: the facilitators'
    db.commit()
    login_as(world.member.user)

    page = client.get("/waiting").text
    for heading in (
        "Meetings to answer",
        "Your action items",
        "Sign-offs waiting for you",
        "Signatures your agency owes",
        "Flags you own",
    ):
        assert heading in page
    assert "Overdue action item: Draft the consent form" in page
    assert "Owner: Mo Member" in page
    assert "Helena IGA 2025" not in page
    assert 'name="back" value="waiting"' in page

    client.post(
        f"/partnerships/{world.partnership.id}/meetings/{meeting.id}/respond",
        data={"answer": "accept", "back": "waiting"},
    )
    answered = client.get("/waiting").text
    assert "You will attend March partner meeting." in answered
    assert "Meetings to answer" not in answered and "I will attend" not in answered

    facilitators = login_as(world.facilitator.user).get("/waiting").text
    assert "Helena IGA 2025" in facilitators
    assert "Owner: the facilitators (Fiona Facilitator)" in facilitators
    assert "Draft the consent form" not in facilitators


def test_the_header_links_to_the_waiting_page(client, make, db, world, login_as):
    page = login_as(world.member.user).get("/").text
    assert page.count('href="/waiting"') >= 2  # the header and the dashboard


def test_flags_name_their_owner(client, make, db, world, login_as):
    school = school_of(db, world)
    school.liaison_id = world.member.id
    procedure = make.procedure(school, "Attendance sharing", status="approved")
    make.flag(
        world.partnership,
        kind=FlagKind.PROCEDURE_REVIEW,
        subject=f"procedure:{procedure.id}",
        title="Attendance sharing",
    )
    make.flag(world.partnership, title="Helena IGA 2025")
    db.commit()
    page = login_as(world.facilitator.user).get(f"/partnerships/{world.partnership.id}/flags").text
    assert "Owner: Mo Member (Helena Public Schools)" in page
    assert "Owner: the facilitators (Fiona Facilitator)" in page


def grow(make, db, user, count: int):
    """`count` partnerships where `user` represents an agency, each with a meeting ahead, an
    overdue action item, a version to sign off, an agreement to sign and a flag."""
    for n in range(count):
        partnership = make.partnership(make.user())
        agency = make.agency(partnership, f"Agency {n}", Sector.SCHOOL)
        me = make.member(partnership, user, Role.MEMBER, agency=agency, signatory=True)
        agency.liaison_id = me.id
        make.meeting(partnership, NOW + timedelta(days=n + 1))
        item = ActionItem(
            partnership_id=partnership.id,
            title=f"Item {n}",
            owner_membership_id=me.id,
            due_on=TODAY - timedelta(days=1),
        )
        db.add(item)
        db.flush()
        make.procedure(agency, status="in_review")
        make.agreement(partnership, [agency], sent=True)
        make.flag(
            partnership,
            kind=FlagKind.ACTION_ITEM_OVERDUE,
            subject=f"action_item:{item.id}",
            due_on=TODAY - timedelta(days=1),
        )
    db.commit()


@pytest.mark.parametrize("path", ["/", "/waiting"])
def test_dashboard_and_waiting_page_run_the_same_queries_for_1_or_10_partnerships(
    client, make, db, login_as, count_queries, path
):
    counts = []
    for size in (1, 10):
        user = make.user()
        grow(make, db, user, size)
        login_as(user)
        client.get(path)  # warm the login session's sliding window
        with count_queries() as queries:
            page = client.get(path)
        assert page.status_code == 200
        # The dashboard answers the next three; the waiting page up to eight still to answer.
        assert page.text.count("I will attend") == min(size, 3 if path == "/" else 8)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_dashboard_names_who_owns_the_open_flags(client, make, db, world, login_as):
    make.flag(world.partnership, title="Helena IGA 2025")
    db.commit()
    page = login_as(world.member.user).get("/").text
    assert "1 open flag: Agreement renewal" in page
    assert "owner: the facilitators (Fiona Facilitator)" in page
