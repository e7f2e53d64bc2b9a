"""The flags page, acknowledging a flag with a note, and flags on the dashboard."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from partnerhub.audit.models import AuditEvent
from partnerhub.notifications.flags import open_flag_attention
from partnerhub.notifications.models import FlagKind
from partnerhub.partnerships.models import PartnerAgency, Role
from tests.clock import NOW


def test_flags_page_shows_empty_state_then_open_flags(client, db, make, login_as):
    facilitator = make.user()
    partnership = make.partnership(facilitator)
    db.commit()
    login_as(facilitator)
    assert "Nothing is due" in client.get(f"/partnerships/{partnership.id}/flags").text
    make.flag(partnership, title="Helena IGA 2025", due_on=date(2026, 12, 1))
    db.commit()
    page = client.get(f"/partnerships/{partnership.id}/flags").text
    assert "Helena IGA 2025" in page
    assert "What is being done about it" in page


def test_acknowledging_needs_a_note_and_keeps_the_flag_open_without_one(client, db, make, login_as):
    facilitator = make.user()
    partnership = make.partnership(facilitator)
    flag = make.flag(partnership)
    db.commit()
    login_as(facilitator)
    url = f"/partnerships/{partnership.id}/flags/{flag.id}/acknowledge"

    refused = client.post(url, data={"note": "   "})
    assert refused.status_code == 200
    assert "Say in a note what is being done about it." in refused.text
    db.refresh(flag)
    assert flag.is_open

    done = client.post(url, data={"note": "Renewal on the March agenda."}, follow_redirects=True)
    assert "Flag acknowledged." in done.text
    assert "Renewal on the March agenda." in done.text
    db.refresh(flag)
    assert not flag.is_open
    assert flag.acknowledged_by_id == facilitator.id
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "flag.acknowledge")).one()
    assert event.partnership_id == partnership.id

    again = client.post(url, data={"note": "\x00"}, follow_redirects=True)
    assert "That flag is already acknowledged or resolved." in again.text


def test_flag_of_another_partnership_is_not_found(client, db, make, login_as):
    facilitator = make.user()
    partnership = make.partnership(facilitator)
    other = make.partnership(make.user())
    foreign = make.flag(other)
    db.commit()
    login_as(facilitator)
    response = client.post(
        f"/partnerships/{partnership.id}/flags/{foreign.id}/acknowledge", data={"note": "mine"}
    )
    assert response.status_code == 404
    db.refresh(foreign)
    assert foreign.is_open


def test_members_see_flags_but_cannot_acknowledge(client, db, make, login_as):
    partnership = make.partnership(make.user())
    member = make.member(partnership, role=Role.MEMBER)
    flag = make.flag(partnership)
    db.commit()
    login_as(member.user)
    page = client.get(f"/partnerships/{partnership.id}/flags").text
    assert flag.title in page
    assert "What is being done about it" not in page


def test_open_flags_need_attention_on_the_dashboard(app, db, make):
    one = make.partnership(make.user())
    two = make.partnership(make.user())
    make.flag(one, title="Due soon", due_on=date(2026, 12, 20))
    make.flag(two, title="Overdue", due_on=date(2026, 11, 1))
    make.flag(two, kind=FlagKind.PROCEDURE_REVIEW, due_on=date(2026, 11, 5))
    seen = make.flag(two, title="Acknowledged", due_on=date(2026, 1, 2))
    seen.acknowledgement_note = "on it"
    seen.acknowledged_at = NOW
    db.commit()
    with app.test_request_context():
        items = open_flag_attention(db, [one.id, two.id], date(2026, 11, 23))
    assert {(i.partnership_id, i.label, i.severity, i.url) for i in items} == {
        (one.id, "1 open flag: Agreement renewal", "warning", f"/partnerships/{one.id}/flags"),
        (
            two.id,
            "2 open flags: Agreement renewal, Procedure review",
            "danger",
            f"/partnerships/{two.id}/flags",
        ),
    }


def test_each_note_is_labelled_and_asked_for_only_when_acknowledging(client, db, make, login_as):
    facilitator = make.user()
    partnership = make.partnership(facilitator)
    first, second = make.flag(partnership), make.flag(partnership, title="Second")
    db.commit()
    login_as(facilitator)
    page = client.get(f"/partnerships/{partnership.id}/flags").text
    for flag in (first, second):
        assert f'<label class="form-label" for="note-{flag.id}">' in page
        assert f'id="note-{flag.id}"' in page
        assert f'action="/partnerships/{partnership.id}/flags/{flag.id}/acknowledge"' in page
    assert 'for="note"' not in page and 'id="csrf_token"' not in page
    assert page.count('<details class="mt-2">') == 2  # closed: no open required boxes

    refused = client.post(
        f"/partnerships/{partnership.id}/flags/{second.id}/acknowledge", data={"note": " "}
    ).text
    assert refused.count('<details class="mt-2" open>') == 1
    assert f'aria-describedby="note-{second.id}-error"' in refused

    too_long = "\nCalled the county <office> " + "x" * 2000  # begins with a line break
    kept = client.post(
        f"/partnerships/{partnership.id}/flags/{second.id}/acknowledge", data={"note": too_long}
    ).text
    typed = too_long.replace("<", "&lt;").replace(">", "&gt;")
    assert f'aria-describedby="note-{second.id}-error">\n{typed}</textarea>' in kept


def test_every_kind_of_flag_names_its_owner_and_an_odd_subject_breaks_nothing(
    client, db, make, login_as, world
):
    school_id = world.member.partner_agency_id
    make.session.get(PartnerAgency, school_id).liaison_id = world.member.id
    flagged = {
        "Training of Mo Member lapses": (FlagKind.TRAINING_LAPSE, f"training:{world.member.id}:x"),
        "Schools missing meetings": (FlagKind.AGENCY_ABSENCE, f"agency_absence:{school_id}:7"),
        "Untrained at the schools": (FlagKind.TRAINING_GAP, f"training-gap:{school_id}"),
        "A flag about something odd": (FlagKind.AGREEMENT_RENEWAL, "agreement:not-an-id"),
    }
    for title, (kind, subject) in flagged.items():
        make.flag(world.partnership, title=title, kind=kind, subject=subject)
    db.commit()
    login_as(world.facilitator.user)

    # The dashboard counts owners beyond two rather than list them all.
    assert "owner: 3 owners" in client.get("/").text
    page = client.get(f"/partnerships/{world.partnership.id}/flags").text
    owner_of = {
        title: page.split(title, 1)[1].split("Owner: ", 1)[1].split("<", 1)[0].strip()
        for title in flagged
    }
    assert owner_of == {
        "Training of Mo Member lapses": "Mo Member",
        "Schools missing meetings": "Mo Member (Helena Public Schools)",
        "Untrained at the schools": "Mo Member (Helena Public Schools)",
        "A flag about something odd": "the facilitators (Fiona Facilitator)",
    }
