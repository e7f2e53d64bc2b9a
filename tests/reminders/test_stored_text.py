"""Text already stored (old data, or written around the forms) cannot break what is sent.

A line break in a partnership, meeting, agreement, procedure, agenda item or organisation name
must not add a header to an email, make one fail to be written, or stop a calendar file: every
email reaches only its recipient with a one-line subject, and every calendar file parses.
"""

from __future__ import annotations

from datetime import date, timedelta

from icalendar import Calendar
from sqlalchemy import select

from partnerhub.meetings.models import ActionItem, AgendaItem, AgendaItemStatus, MeetingStatus
from partnerhub.meetings.services import subscribe
from partnerhub.notifications.models import OutboxMessage, OutboxStatus
from partnerhub.partnerships.models import Organization
from tests.reminders.conftest import DAY, T0, WEEK, one_off, procedure, signed_agreement

INJECTED = "\r\nBcc: v@evil.example"
# What a calendar file must survive: line breaks, its own separators, emoji, control characters.
AWKWARD = "Review;, \\ the \U0001f4c5 plan\r\n\x0b\x1b\x7fBcc: v@evil.example\u2028end"


def spoil(db, *objects, field: str = "title") -> None:
    """Store a line break in each object's one-line text, as old data could hold."""
    for obj in objects:
        setattr(obj, field, getattr(obj, field) + INJECTED)
    db.commit()


def assert_safe(smtp, recipients: set[str]) -> None:
    """Each message went to its one recipient only, with no injected header."""
    assert smtp.messages, "nothing was sent"
    for message, envelope in zip(smtp.messages, smtp.handler.envelopes, strict=True):
        assert len(envelope.rcpt_tos) == 1 and envelope.rcpt_tos[0] in recipients
        assert message["Bcc"] is None
        header_lines = envelope.content.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
        assert not any(line.lower().startswith(b"bcc:") for line in header_lines)
        assert "\n" not in str(message["Subject"]) and "\r" not in str(message["Subject"])
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                Calendar.from_ical(part.get_content())


def test_an_invitation_from_a_partnership_with_a_line_break_in_its_name_goes_to_the_invitee_only(
    db, roster, login_as, client, smtp, deliver_outbox, clock
):
    spoil(db, roster.partnership, field="name")

    clock.move_to(T0)
    login_as(roster.facilitator.user)
    response = client.post(
        f"/partnerships/{roster.partnership.id}/invitations/new",
        data={"email": "ivy@example.org", "name": "Ivy Ives", "role": "member", "agency": "0"},
    )

    assert response.status_code == 302
    deliver_outbox(T0)
    assert_safe(smtp, {"ivy@example.org"})
    [message] = smtp.messages
    assert message["Subject"] == (
        "You are invited to join Helena Youth Partnership Bcc: v@evil.example on PartnerHub"
    )


def test_meeting_reminders_with_line_breaks_in_every_title_are_delivered(
    db, roster, run_sweep, deliver_pending, smtp
):
    meeting = one_off(db, roster.partnership, date(2027, 3, 16), place="Room 4")
    db.add(
        AgendaItem(
            meeting_id=meeting.id,
            position=1,
            title="Attendance",
            status=AgendaItemStatus.ACCEPTED,
        )
    )
    db.commit()
    item = db.scalars(select(AgendaItem)).one()
    spoil(db, meeting, item)
    spoil(db, meeting, field="place")
    spoil(db, roster.partnership, field="name")

    a_week_before = meeting.starts_at - WEEK + timedelta(minutes=1)
    assert run_sweep(a_week_before).queued == 3
    assert deliver_pending(a_week_before) == 3

    assert_safe(smtp, {m.user.email for m in roster.memberships})
    assert {m["Subject"] for m in smtp.messages} == {
        "Reminder: Monthly partner review Bcc: v@evil.example, Tuesday 16 March 2027, "
        "15:00 MDT (Helena Youth Partnership Bcc: v@evil.example)"
    }


def test_flag_emails_with_line_breaks_in_titles_are_delivered(
    db, roster, run_sweep, deliver_pending, smtp
):
    roster.member.is_signatory = True
    db.commit()
    today = T0.date()
    agreement = signed_agreement(
        db, roster.partnership, [roster.school], today - 300 * DAY, today + 60 * DAY
    )
    due = procedure(db, roster.school, today)
    action = ActionItem(
        partnership_id=roster.partnership.id,
        title="Send the release form",
        owner_membership_id=roster.member.id,
        due_on=today - 3 * DAY,
    )
    db.add(action)
    db.commit()
    spoil(db, agreement, due, action)
    spoil(db, roster.partnership, field="name")

    run_sweep(T0)
    assert deliver_pending(T0) == len(db.scalars(select(OutboxMessage)).all()) >= 4

    recipients = {m.user.email for m in roster.memberships}
    assert_safe(smtp, recipients)


def test_a_queued_message_whose_stored_subject_holds_a_line_break_is_sent_on_one_line(
    db, make, deliver_pending, smtp
):
    message = make.outbox_email("reader@example.org", now=T0)
    message.subject = "Old subject" + INJECTED
    db.commit()

    assert deliver_pending(T0) == 1

    assert_safe(smtp, {"reader@example.org"})
    assert smtp.messages[0]["Subject"] == "Old subject Bcc: v@evil.example"
    db.expire_all()
    assert db.get(OutboxMessage, message.id).status is OutboxStatus.SENT


def test_calendar_files_and_feeds_of_awkward_titles_answer_and_parse(
    db, make, roster, login_as, client, clock
):
    meeting = one_off(db, roster.partnership, date(2027, 3, 16))
    organization = db.get(Organization, roster.school.organization_id)
    spoil(db, meeting, field="title")
    spoil(db, roster.partnership, organization, field="name")
    meeting.place = AWKWARD
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancel_reason = AWKWARD * 200  # 10 kB of it
    db.commit()
    user = roster.member.user
    partnership_feed = subscribe(db, user, roster.partnership.id, T0)
    own_feed = subscribe(db, user, None, T0)
    db.commit()

    urls = [
        f"/partnerships/{roster.partnership.id}/meetings/{meeting.id}/meeting.ics",
        f"/calendar/{partnership_feed}.ics",
        f"/calendar/{own_feed}.ics",
    ]
    clock.move_to(T0)
    login_as(user)
    responses = [client.get(url) for url in urls]

    for url, response in zip(urls, responses, strict=True):
        assert response.status_code == 200, url
        calendar = Calendar.from_ical(response.data)
        [event] = calendar.walk("VEVENT")
        assert str(event["SUMMARY"]) == "Cancelled: Monthly partner review Bcc: v@evil.example"
        assert "\n" not in str(calendar.get("X-WR-CALNAME", ""))


def test_a_reminder_for_the_longest_title_of_the_longest_named_partnership_is_sent(
    db, roster, run_sweep, deliver_pending, smtp
):
    meeting = one_off(db, roster.partnership, date(2027, 3, 16), title="M" * 200)
    roster.partnership.name = "P" * 200
    db.commit()

    a_week_before = meeting.starts_at - WEEK + timedelta(minutes=1)
    run_sweep(a_week_before)
    assert deliver_pending(a_week_before) == 3

    subjects = {str(m["Subject"]) for m in smtp.messages}
    assert [len(s) for s in subjects] == [255]
    assert subjects.pop().startswith("Reminder: " + "M" * 200 + ", Tuesday 16 March 2027")
