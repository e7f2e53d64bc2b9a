"""Creating and editing a partnership."""

import re

from sqlalchemy import select

from partnerhub.audit.models import AuditEvent
from partnerhub.partnerships.models import Membership, Partnership, Role

FORM = {
    "name": "Grossmont Information Partnership",
    "community": "El Cajon, CA",
    "purpose": "Review information-sharing procedures monthly.",
    "timezone": "America/Los_Angeles",
    "absence_flag_after": "3",
}


def test_creator_becomes_facilitator_and_the_creation_is_recorded(client, make, db, login_as):
    user = make.user("Carla Convener")
    db.commit()
    login_as(user)

    response = client.post("/partnerships/new", data=FORM)

    partnership = db.scalar(select(Partnership))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/partnerships/{partnership.id}")
    membership = db.scalar(select(Membership))
    assert (membership.user_id, membership.role) == (user.id, Role.FACILITATOR)
    event = db.scalar(select(AuditEvent))
    assert event.action == "partnership.created" and event.actor_id == user.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Grossmont Information Partnership" in page
    assert "Partner stage checklist" in page


def test_a_taken_name_in_any_letter_case_is_refused_next_to_the_field(facilitated, db):
    response = facilitated.client.post(
        "/partnerships/new", data={**FORM, "name": "HELENA youth partnership"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "already exists" in page
    assert 'value="El Cajon, CA"' in page
    assert db.query(Partnership).count() == 1


def test_an_unknown_time_zone_is_refused(facilitated, db):
    response = facilitated.client.post(
        "/partnerships/new", data={**FORM, "timezone": "Mars/Olympus_Mons"}
    )
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert db.query(Partnership).count() == 1


def test_the_time_zone_choice_leads_with_the_likely_zones(facilitated):
    page = facilitated.client.get("/partnerships/new").get_data(as_text=True)
    select = page.split('name="timezone"')[1].split("</select>")[0]
    first_group = select.split("</optgroup>")[0]
    assert '<optgroup label="Common">' in first_group
    assert re.search(r'<option[^>]*selected[^>]*value="America/Denver"', first_group)
    assert "America/New_York" in first_group and "Africa/Abidjan" not in first_group
    assert "Africa/Abidjan" in select  # every zone is still there, after them


def test_facilitator_edits_details_and_the_change_is_recorded(facilitated, db):
    response = facilitated.client.post(
        facilitated.url("/edit"),
        data={**FORM, "name": "Helena Youth Partnership", "absence_flag_after": "2"},
    )
    assert response.status_code == 302
    db.expire_all()
    assert facilitated.partnership.absence_flag_after == 2
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "partnership.updated"))
    assert "absence_flag_after" in event.details


def test_overview_shows_sections_checklist_and_recent_activity(facilitated):
    page = facilitated.client.get(facilitated.url()).get_data(as_text=True)
    for text in ("Overview", "Partner", "Plan", "Act", "Stages", "Activity", "Recent activity"):
        assert text in page
    assert "A convener/facilitator named" in page


def test_members_see_no_activity_tab(facilitated, make, db, login_as):
    member = make.member(facilitated.partnership)
    db.commit()
    page = login_as(member.user).get(facilitated.url()).get_data(as_text=True)
    assert "Recent activity" not in page
    assert "/activity" not in page
