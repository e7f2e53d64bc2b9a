"""Invitations: an emailed single-use link that expires, accepted with a new or existing account."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from partnerhub.auth.services import token_digest
from partnerhub.partnerships.models import Invitation, Membership, Role, Sector

INVITE = {
    "email": "Olly.Officer@Example.org",
    "name": "Olly Officer",
    "role": "member",
    "position": "School Resource Officer",
    "is_signatory": "y",
}


def invite(facilitated, **data):
    return facilitated.client.post(facilitated.url("/invitations/new"), data={**INVITE, **data})


@pytest.fixture
def delivered(deliver_outbox, mailbox):
    """The mail sent once the outbox has been delivered, as a worker does after the request."""

    def read():
        deliver_outbox()
        return mailbox()

    return read


def link_in(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(r"http://partnerhub\.test(/invitations/\S+)", text).group(1)


def test_invitation_mail_carries_a_link_whose_token_is_stored_only_as_a_hash(
    facilitated, make, db, delivered
):
    agency = make.agency(facilitated.partnership, "Helena Police", Sector.LAW_ENFORCEMENT)
    db.commit()
    assert invite(facilitated, agency=str(agency.id)).status_code == 302

    [message] = delivered()
    assert message["To"] == "olly.officer@example.org"
    assert "Helena Youth Partnership" in message["Subject"]
    path = link_in(message)
    raw = path.rsplit("/", 1)[1]
    invitation = db.scalar(select(Invitation))
    assert invitation.token_hash == token_digest(raw) and raw not in invitation.token_hash
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    assert invitation.partner_agency_id == agency.id


def test_new_person_sets_name_and_password_and_joins_as_invited(
    app, facilitated, make, db, delivered
):
    police = make.agency(facilitated.partnership, "Helena Police", Sector.LAW_ENFORCEMENT)
    db.commit()
    invite(facilitated, agency=str(police.id))
    path = link_in(delivered()[0])
    newcomer = app.test_client()
    assert "Join Helena Youth Partnership" in newcomer.get(path).get_data(as_text=True)
    mismatch = newcomer.post(path, data={"name": "Olly", "password": "x" * 12, "confirm": "y"})
    assert "do not match" in mismatch.get_data(as_text=True)

    response = newcomer.post(
        path,
        data={"name": "Olly Officer", "password": "a long password", "confirm": "a long password"},
    )

    assert response.status_code == 302
    membership = db.scalar(select(Membership).where(Membership.role == Role.MEMBER))
    assert membership.user.email == "olly.officer@example.org"
    assert membership.position == "School Resource Officer" and membership.is_signatory
    assert membership.partner_agency_id == police.id
    assert membership.user.timezone == "America/Denver"
    assert newcomer.get(response.headers["Location"]).status_code == 200  # logged in
    used = newcomer.get(path)
    assert used.status_code == 410 and "already accepted" in used.get_data(as_text=True)


def test_existing_account_logs_in_and_accepts(app, facilitated, make, db, delivered, login_as):
    olly = make.user("Olly Officer", email="olly.officer@example.org")
    db.commit()
    invite(facilitated)
    path = link_in(delivered()[0])
    visitor = app.test_client()
    assert "Log in</a> to accept" in visitor.get(path).get_data(as_text=True)

    olly_client = login_as(olly)  # the same test client, now logged in as Olly
    response = olly_client.post(path)

    assert response.status_code == 302
    assert db.scalar(select(Membership).where(Membership.user_id == olly.id)).is_active


def test_expired_revoked_and_forged_links_give_a_clear_page(facilitated, db, delivered):
    invite(facilitated)
    path = link_in(delivered()[0])
    invitation = db.scalar(select(Invitation))
    invitation.expires_at = invitation.created_at - timedelta(seconds=1)
    db.commit()
    expired = facilitated.client.get(path)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    assert facilitated.client.get("/invitations/forged-token").status_code == 404

    facilitated.client.post(facilitated.url(f"/invitations/{invitation.id}/revoke"))
    revoked = facilitated.client.get(path)
    assert "revoked" in revoked.get_data(as_text=True)


def test_resend_gives_a_new_link_and_the_old_one_stops_working(facilitated, db, delivered):
    invite(facilitated)
    old = link_in(delivered()[0])
    invitation = db.scalar(select(Invitation))
    facilitated.client.post(facilitated.url(f"/invitations/{invitation.id}/resend"))
    messages = delivered()
    assert len(messages) == 2
    new = link_in(messages[1])
    assert new != old
    assert facilitated.client.get(old).status_code == 404
    assert facilitated.client.get(new).status_code == 200


def test_people_on_the_roster_or_already_invited_are_not_invited_twice(facilitated, db, delivered):
    invite(facilitated)
    again = invite(facilitated, email="OLLY.officer@example.org")
    assert "already has an open invitation" in again.get_data(as_text=True)
    me = invite(facilitated, email=facilitated.user.email)
    assert "already on this partnership" in me.get_data(as_text=True)
    assert len(delivered()) == 1


def test_invitation_goes_out_over_smtp_when_the_outbox_is_delivered(
    facilitated, smtp, deliver_outbox
):
    invite(facilitated)
    assert smtp.messages == []
    assert deliver_outbox().sent == 1
    [message] = smtp.messages
    assert message["To"] == "olly.officer@example.org"
    assert "/invitations/" in message.get_body(("plain",)).get_content()


def test_a_person_who_left_can_be_invited_back(facilitated, make, db, delivered, login_as):
    olly = make.user("Olly Officer", email="olly.officer@example.org")
    former = make.member(facilitated.partnership, olly, Role.OBSERVER)
    former.left_at = former.joined_at
    db.commit()
    invite(facilitated)
    path = link_in(delivered()[0])

    login_as(olly).post(path)

    db.expire_all()
    assert former.is_active and former.role is Role.MEMBER
    assert db.query(Membership).filter_by(user_id=olly.id).count() == 1


def test_the_roster_lists_the_open_invitations_newest_first(facilitated, db, delivered):
    people = [
        ("Olly Officer", "olly@example.org", "member"),
        ("Cam Clerk", "cam@example.org", "observer"),
        ("Rae Revoked", "rae@example.org", "member"),
    ]
    for name, email, role in people:
        assert invite(facilitated, name=name, email=email, role=role).status_code == 302
    olly, cam, rae = db.scalars(select(Invitation).order_by(Invitation.id))
    olly.created_at -= timedelta(days=9)  # its link expired two days ago
    olly.expires_at -= timedelta(days=9)
    cam.created_at -= timedelta(days=1)
    db.commit()
    facilitated.client.post(facilitated.url(f"/invitations/{rae.id}/revoke"))

    page = facilitated.client.get(facilitated.url("/roster")).get_data(as_text=True)
    listed = page[page.index("Open invitations") :]
    assert "Rae Revoked" not in listed
    assert listed.index("Cam Clerk") < listed.index("Olly Officer")
    assert "Cam Clerk &lt;cam@example.org&gt; as observer" in listed
    assert "Olly Officer &lt;olly@example.org&gt; as member" in listed
    cam_line, olly_line = listed.split("Cam Clerk")[1], listed.split("Olly Officer")[1]
    assert "link valid until" in cam_line.split("</li>")[0]
    assert "expired" in olly_line.split("</li>")[0]
    assert f"/invitations/{cam.id}/resend" in cam_line.split("</li>")[0]
