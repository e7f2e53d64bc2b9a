"""Final minutes are emailed to the members, once each, with the minutes and a link."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from partnerhub.meetings.models import AgendaItem
from partnerhub.notifications.models import NotificationPreference, OutboxMessage, ReminderKind
from partnerhub.notifications.preferences import opted_out
from tests.clock import NOW


def minutes_emails(db) -> list[OutboxMessage]:
    db.expire_all()
    return list(
        db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == ReminderKind.FINAL_MINUTES.value)
            .order_by(OutboxMessage.id)
        )
    )


def write_minutes(client, base, meeting, db):
    client.post(
        f"{base}/meetings/{meeting.id}/agenda",
        data={"title": "Consent forms", "minutes": "15", "kind": "procedure_review"},
    )
    item_id = db.scalars(select(AgendaItem.id)).one()
    client.post(
        f"{base}/meetings/{meeting.id}/minutes",
        data={
            "summary": "Schools & police agreed the referral route.",
            "items-0-item_id": str(item_id),
            "items-0-notes": "Reviewed the release form.",
            "items-0-decision": "Adopt version 2 <of the form>.",
            "items-0-is_finished": "y",
        },
    )


def test_final_minutes_reach_each_member_once_with_the_text_and_a_link(
    app, client, login_as, world, db, base, make, smtp, deliver_outbox
):
    meeting = make.meeting(world.partnership, NOW - timedelta(hours=2))
    db.add(
        NotificationPreference(
            user_id=world.observer.user_id, kind=ReminderKind.FINAL_MINUTES, enabled=False
        )
    )
    db.commit()
    login_as(world.facilitator.user)
    write_minutes(client, base, meeting, db)
    assert minutes_emails(db) == []  # a draft is not sent

    client.post(f"{base}/meetings/{meeting.id}/minutes/finalize")
    sent = minutes_emails(db)
    assert sorted(m.recipient for m in sent) == sorted(
        [world.facilitator.user.email, world.member.user.email]
    )
    # Reopened for a correction and finalized again: nobody gets a second copy.
    client.post(f"{base}/meetings/{meeting.id}/minutes/reopen", data={"reason": "Typo"})
    client.post(f"{base}/meetings/{meeting.id}/minutes/finalize")
    assert len(minutes_emails(db)) == 2

    assert deliver_outbox().sent == 2
    assert len(smtp.messages) == 2
    email = next(m for m in smtp.messages if m["To"] == world.member.user.email)
    assert email["Subject"].startswith("Minutes: ")
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    link = f"/partnerships/{world.partnership.id}/meetings/{meeting.id}"
    assert "Schools & police agreed the referral route." in text
    assert "Decision: Adopt version 2 <of the form>." in text
    assert "Schools &amp; police agreed the referral route." in html
    assert "Adopt version 2 &lt;of the form&gt;." in html
    assert link in text and 'href="http' in html and link in html

    # One click in the mail program turns these emails off.
    unsubscribe = email["List-Unsubscribe"].strip("<>")
    path = unsubscribe[unsubscribe.index("/unsubscribe/") :]
    client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert opted_out(db, ReminderKind.FINAL_MINUTES, [world.member.user_id]) == {
        world.member.user_id
    }
