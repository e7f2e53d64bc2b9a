"""The admins' outbox page and the facilitators' view of email the server refused."""

from __future__ import annotations

from sqlalchemy import select, update

from partnerhub.audit.models import AuditEvent
from partnerhub.notifications.delivery import DeliveryPolicy, deliver_batch
from partnerhub.notifications.mailer import SMTPTransport
from partnerhub.notifications.models import OutboxMessage, OutboxStatus
from partnerhub.notifications.views import failed_mail_panel
from partnerhub.partnerships.models import Role
from tests.clock import NOW


def deliver(db, smtp):
    transport = SMTPTransport(smtp.url, timeout=5)
    return deliver_batch(db, transport, "hub@example.org", NOW, DeliveryPolicy())


def stored(db, message) -> OutboxMessage:
    db.expire_all()
    return db.get(OutboxMessage, message.id)


def test_a_refused_email_is_shown_to_the_facilitators_and_not_elsewhere(db, make, smtp, login_as):
    facilitator = make.user("Fiona Facilitator")
    partnership = make.partnership(facilitator, name="Helena Youth Partnership")
    other = make.partnership(make.user(), name="Grossmont Partnership")
    make.outbox_email("gone@example.org", partnership=partnership)
    make.outbox_email("elsewhere@example.org", partnership=other)
    db.commit()
    smtp.handler.reply = "550 5.1.1 gone@example.org: user unknown"
    deliver(db, smtp)

    assert failed_mail_panel(db, partnership, None) == {"count": 1}
    page = login_as(facilitator).get(f"/partnerships/{partnership.id}/failed-mail")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "gone@example.org" in html and "550 5.1.1" in html
    assert "elsewhere@example.org" not in html


def test_no_failed_email_shows_an_empty_state(db, make, login_as):
    facilitator = make.user()
    partnership = make.partnership(facilitator)
    db.commit()
    page = login_as(facilitator).get(f"/partnerships/{partnership.id}/failed-mail")
    assert "members was delivered." in page.get_data(as_text=True)
    assert failed_mail_panel(db, partnership, None) == {"count": 0}


def test_members_may_not_see_failed_email(db, make, login_as):
    partnership = make.partnership(make.user())
    member = make.member(partnership, role=Role.MEMBER)
    db.commit()
    page = login_as(member.user).get(f"/partnerships/{partnership.id}/failed-mail")
    assert page.status_code == 403


def test_the_outbox_page_filters_by_status(db, make, login_as):
    admin = make.user(admin=True)
    waiting = make.outbox_email("waiting@example.org")
    refused = make.outbox_email("refused@example.org")
    refused.status, refused.last_error = OutboxStatus.FAILED, "550 no such user"
    db.commit()
    client = login_as(admin)

    pending = client.get("/admin/outbox").get_data(as_text=True)
    assert waiting.recipient in pending and refused.recipient not in pending
    failed = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert refused.recipient in failed and "550 no such user" in failed
    assert waiting.recipient not in failed
    assert "No sent messages." in client.get("/admin/outbox?status=sent").get_data(True)
    assert client.get("/admin/outbox?status=everything").status_code == 404


def test_the_outbox_page_takes_the_same_queries_for_many_messages(
    db, make, login_as, count_queries
):
    client = login_as(make.user(admin=True))

    def queries_for_page() -> int:
        with count_queries() as queries:
            assert client.get("/admin/outbox").status_code == 200
        return len(queries)

    make.outbox_email()
    db.commit()
    few = queries_for_page()
    for _ in range(30):
        make.outbox_email()
    db.commit()
    assert queries_for_page() == few


def test_an_admin_retries_a_failed_message_and_it_is_delivered(db, make, smtp, login_as):
    admin = make.user(admin=True)
    message = make.outbox_email()
    db.commit()
    smtp.handler.reply = "550 mailbox full"
    deliver(db, smtp)
    assert stored(db, message).status == OutboxStatus.FAILED

    response = login_as(admin).post(f"/admin/outbox/{message.id}/retry")
    assert response.status_code == 302 and response.location.endswith("status=pending")
    assert stored(db, message).status == OutboxStatus.PENDING
    assert stored(db, message).attempts == 0
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "outbox.retry")).one()
    assert event.actor_id == admin.id and event.object_id == message.id

    smtp.handler.reply = None
    assert deliver(db, smtp).sent == 1
    assert [m["Message-ID"] for m in smtp.messages] == [message.message_id]


def test_an_admin_cancels_a_waiting_message_but_not_a_sent_one(db, make, login_as):
    client = login_as(make.user(admin=True))
    waiting = make.outbox_email()
    sent = make.outbox_email()
    sent.status = OutboxStatus.SENT
    db.commit()

    client.post(f"/admin/outbox/{waiting.id}/cancel")
    assert stored(db, waiting).status == OutboxStatus.CANCELLED

    response = client.post(f"/admin/outbox/{sent.id}/cancel", follow_redirects=True)
    assert "Only a message still waiting to be sent can be cancelled." in response.get_data(True)
    assert stored(db, sent).status == OutboxStatus.SENT
    assert client.post("/admin/outbox/999999/cancel").status_code == 404


def test_the_outbox_page_names_a_reminder_waiting_to_be_written(db, make, login_as):
    message = make.outbox_email()
    db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id)
        .values(kind="meeting_reminder", subject=None, text_body=None, html_body=None)
    )
    db.commit()
    client = login_as(make.user(admin=True))

    page = client.get("/admin/outbox").get_data(as_text=True)

    assert "Meeting reminder (written when sent)" in page
