"""Every page that stores a partnership's free text warns before saving what may identify a
youth, keeps what was typed, and saves it only when kept on purpose, with a reason."""

from __future__ import annotations

from datetime import timedelta

from markupsafe import escape
from sqlalchemy import select

from partnerhub.audit.models import AuditEvent
from partnerhub.meetings.models import ActionItem, AgendaItem, Meeting
from partnerhub.notifications.models import Flag
from partnerhub.partnerships.models import PartnerAgency
from partnerhub.procedures.models import ChangeRequest, Procedure
from tests.clock import NOW

NOTE = "Jayden Smith (DOB 3/14/2009) was cited; case #2023-JV-0142."
REASON = "Named in the court's public docket; the partners agreed to keep it."


def kept_events(db) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == "identifiers.kept")))


def test_minutes_naming_a_youth_are_not_saved_until_kept_with_a_reason(
    client, login_as, world, db, base, make
):
    meeting = make.meeting(world.partnership, NOW + timedelta(days=3))
    item = AgendaItem(meeting=meeting, position=1, title="Citations at school", minutes=10)
    db.add(item)
    db.commit()
    login_as(world.facilitator.user)
    url = f"{base}/meetings/{meeting.id}/minutes"
    minutes = {"summary": "All present.", "items-0-item_id": str(item.id), "items-0-notes": NOTE}

    warned = client.post(url, data=minutes)
    page = warned.get_data(as_text=True)
    assert warned.status_code == 200
    assert "This may identify a youth" in page and escape("“DOB 3/14/2009”") in page
    assert escape(NOTE) in page  # what was typed is still there
    assert db.get(AgendaItem, item.id).notes == ""

    no_reason = client.post(url, data={**minutes, "keep_as_written": "y", "keep_reason": " "})
    assert "Say why the text must stay as written." in no_reason.get_data(as_text=True)
    assert kept_events(db) == []

    kept = client.post(url, data={**minutes, "keep_as_written": "y", "keep_reason": REASON})
    assert kept.status_code == 302
    db.expire_all()
    assert db.get(AgendaItem, item.id).notes == NOTE
    [event] = kept_events(db)
    assert REASON in event.summary and "Jayden" not in event.summary
    assert event.actor_id == world.facilitator.user.id


def test_minutes_without_identifiers_save_in_one_step(client, login_as, world, db, base, make):
    meeting = make.meeting(world.partnership, NOW + timedelta(days=3))
    db.commit()
    login_as(world.facilitator.user)
    summary = "Fiona Facilitator reviewed 34 CFR 99.31(a)(5) with Helena Public Schools."
    saved = client.post(f"{base}/meetings/{meeting.id}/minutes", data={"summary": summary})
    assert saved.status_code == 302
    db.expire_all()
    assert db.get(Meeting, meeting.id).minutes.summary == summary
    assert kept_events(db) == []


def test_an_agenda_item_or_action_item_naming_a_youth_waits_for_a_reason(
    client, login_as, world, db, base, make
):
    meeting = make.meeting(world.partnership, NOW + timedelta(days=3))
    db.commit()
    login_as(world.facilitator.user)
    title = "Emma Brown's citation (case #2023-JV-0142)"
    agenda = {"title": title, "minutes": "10", "kind": "other"}
    action = {"title": title, "owner_membership_id": str(world.member.id)}
    for url, form in (
        (f"{base}/meetings/{meeting.id}/agenda", agenda),
        (f"{base}/meetings/{meeting.id}/action-items", action),
    ):
        warned = client.post(url, data=form)
        assert warned.status_code == 200
        page = warned.get_data(as_text=True)
        assert "This may identify a youth" in page and escape(title) in page
        kept = client.post(url, data={**form, "keep_as_written": "y", "keep_reason": REASON})
        assert kept.status_code == 302
    db.expire_all()
    assert db.scalars(select(AgendaItem.title)).all() == [title]
    assert db.scalars(select(ActionItem.title)).all() == [title]
    assert len(kept_events(db)) == 2


def test_changing_an_agenda_item_is_screened_too(client, login_as, world, db, base, make):
    meeting = make.meeting(world.partnership, NOW + timedelta(days=3))
    item = AgendaItem(meeting=meeting, position=1, title="Citations", minutes=10)
    db.add(item)
    db.commit()
    login_as(world.facilitator.user)
    url = f"{base}/meetings/{meeting.id}/agenda/{item.id}/edit"
    form = {"title": "Citations: Tyler Mills", "minutes": "10", "kind": "other"}
    warned = client.post(url, data=form)
    assert warned.status_code == 200 and "“Tyler Mills”" in warned.get_data(as_text=True)
    db.expire_all()
    assert db.get(AgendaItem, item.id).title == "Citations"


def test_a_procedures_text_is_screened_when_written_and_revised(client, login_as, world, db, base):
    login_as(world.facilitator.user)
    body = "1. Check the release.\n2. For example, student ID 4471823 may be shared."
    procedure = {
        "title": "Attendance sharing",
        "owning_agency_id": str(world.member.partner_agency_id),
        "body_markdown": body,
        "legal_bases": ["ferpa_consent"],
        "review_cadence_months": "12",
    }
    warned = client.post(f"{base}/procedures/new", data=procedure)
    assert warned.status_code == 200
    page = warned.get_data(as_text=True)
    assert "“student ID 4471823”" in page and escape(body) in page
    assert db.scalars(select(Procedure)).all() == []
    kept = client.post(
        f"{base}/procedures/new",
        data={**procedure, "keep_as_written": "y", "keep_reason": "A made-up example number."},
    )
    assert kept.status_code == 302
    created = db.scalars(select(Procedure)).one()
    revised = client.post(
        f"{base}/procedures/{created.id}/edit",
        data={**procedure, "body_markdown": "Born 2010-01-02: share.", "change_summary": "Edit"},
    )
    assert revised.status_code == 200 and "“Born 2010-01-02”" in revised.get_data(as_text=True)
    assert len(kept_events(db)) == 1


def test_a_change_request_naming_a_youth_waits_for_a_reason(
    client, login_as, world, db, base, make
):
    school = db.get(PartnerAgency, world.member.partner_agency_id)
    procedure = make.procedure(school, "Attendance sharing", status="in_review")
    db.commit()
    login_as(world.member.user)
    url = f"{base}/procedures/{procedure.id}/versions/1/request-changes"
    comment = "It failed for Tyler Mills last week."
    warned = client.post(url, data={"comment": comment})
    assert warned.status_code == 200
    assert "“Tyler Mills”" in warned.get_data(as_text=True)
    assert db.scalars(select(ChangeRequest)).all() == []
    kept = client.post(url, data={"comment": comment, "keep_as_written": "y", "keep_reason": "x"})
    assert kept.status_code == 302
    assert db.scalars(select(ChangeRequest.comment)).all() == [comment]


def test_a_flag_note_naming_a_youth_waits_for_a_reason(client, login_as, world, db, base, make):
    flag = make.flag(world.partnership)
    db.commit()
    login_as(world.facilitator.user)
    url = f"{base}/flags/{flag.id}/acknowledge"
    note = "Docket no. DJ-23-118 delayed the renewal."
    warned = client.post(url, data={"note": note})
    assert warned.status_code == 200 and "“Docket no. DJ-23-118”" in warned.get_data(as_text=True)
    db.expire_all()
    assert db.get(Flag, flag.id).acknowledged_at is None
    kept = client.post(url, data={"note": note, "keep_as_written": "y", "keep_reason": REASON})
    assert kept.status_code == 302
    db.expire_all()
    assert db.get(Flag, flag.id).acknowledgement_note == note
