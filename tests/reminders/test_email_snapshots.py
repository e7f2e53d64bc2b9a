"""The reminder emails as recipients read them, text and HTML, compared with stored snapshots.

After an intended change, rewrite the snapshots with PARTNERHUB_UPDATE_SNAPSHOTS=1 and read the
diff before committing it.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from partnerhub.meetings.models import ActionItem, AgendaItem
from tests.reminders.conftest import DAY, one_off, outbox, procedure, signed_agreement
from tests.reminders.test_flags_sweep import at_local

SNAPSHOTS = Path(__file__).parent / "snapshots"


def normalized(body: str) -> str:
    """Tokens and database ids replaced, so snapshots do not depend on them."""
    body = re.sub(r"/unsubscribe/[\w.-]+", "/unsubscribe/<token>", body)
    return re.sub(r"/(partnerships|meetings|agreements|procedures)/\d+", r"/\1/<id>", body)


def assert_matches_snapshot(name: str, message) -> None:
    for part, body in (("txt", message.text_body), ("html", message.html_body)):
        path = SNAPSHOTS / f"{name}.{part}"
        if os.environ.get("PARTNERHUB_UPDATE_SNAPSHOTS") == "1":
            path.write_text(normalized(body))
        assert normalized(body) == path.read_text(), f"{path.name} differs from the email"


def for_recipient(db, email: str, kind: str):
    return next(m for m in outbox(db, kind=kind) if m.recipient == email)


def test_meeting_reminder_email(db, roster, run_sweep, deliver_pending):
    meeting = one_off(db, roster.partnership, date(2027, 3, 16))
    db.add_all(
        [
            AgendaItem(
                meeting_id=meeting.id,
                position=1,
                title="Attendance concerns shared with the SRO: review",
                minutes=20,
                presenter_id=roster.member.id,
            ),
            AgendaItem(meeting_id=meeting.id, position=2, title="New MOU <draft> & notes"),
        ]
    )
    db.commit()
    run_sweep(meeting.starts_at - DAY)
    deliver_pending(meeting.starts_at - DAY)  # meeting reminders are written as they are sent

    message = for_recipient(db, roster.abroad.user.email, "meeting_reminder")
    assert message.subject == (
        "Reminder: Monthly partner review, Tuesday 16 March 2027, 15:00 MDT "
        "(Helena Youth Partnership)"
    )
    assert "New MOU &lt;draft&gt; &amp; notes" in message.html_body
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.headers["List-Unsubscribe"].startswith("<http://partnerhub.test/unsubscribe/")
    assert "BEGIN:VEVENT" in message.ics and "TZID=America/Denver" in message.ics
    assert_matches_snapshot("meeting_reminder", message)


def test_agreement_renewal_email(db, roster, run_sweep):
    signed_agreement(db, roster.partnership, [roster.school], date(2026, 7, 1), date(2027, 7, 1))
    run_sweep(at_local(date(2027, 6, 1)))
    message = for_recipient(db, roster.facilitator.user.email, "agreement_renewal")
    assert message.subject == (
        "Helena information-sharing IGA expires in 30 days (Helena Youth Partnership)"
    )
    assert_matches_snapshot("agreement_renewal", message)


def test_agreement_review_email(db, roster, run_sweep):
    signed_agreement(
        db,
        roster.partnership,
        [roster.school],
        date(2026, 7, 1),
        date(2028, 7, 1),
        review_on=date(2027, 7, 1),
    )
    run_sweep(at_local(date(2027, 6, 1)))
    message = next(
        m
        for m in outbox(db, recipient=roster.facilitator.user.email)
        if m.idempotency_key.startswith("agreement-review:")
    )
    assert message.subject == (
        "Helena information-sharing IGA is due for its annual review in 30 days "
        "(Helena Youth Partnership)"
    )
    assert_matches_snapshot("agreement_review", message)


def test_procedure_review_email(db, roster, run_sweep):
    procedure(db, roster.school, date(2027, 4, 1))
    run_sweep(at_local(date(2027, 4, 1)))
    message = for_recipient(db, roster.facilitator.user.email, "procedure_review")
    assert_matches_snapshot("procedure_review", message)


def test_action_item_overdue_email(db, roster, run_sweep):
    db.add(
        ActionItem(
            partnership_id=roster.partnership.id,
            title="Send the draft release form to the county attorney",
            owner_membership_id=roster.member.id,
            due_on=date(2027, 3, 10),
        )
    )
    db.commit()
    run_sweep(at_local(date(2027, 3, 11)))
    message = for_recipient(db, roster.member.user.email, "action_item_overdue")
    assert_matches_snapshot("action_item_overdue", message)


@pytest.mark.parametrize("name", ["meeting_reminder", "agreement_renewal", "procedure_review"])
def test_every_snapshot_offers_the_unsubscribe_link(name):
    for part in ("txt", "html"):
        assert "/unsubscribe/<token>" in (SNAPSHOTS / f"{name}.{part}").read_text()


def test_agency_absence_email(db, make, roster, run_sweep):
    from tests.reminders.test_absence_flags import DAYS, after, hold

    police = make.agency(roster.partnership, "Helena Police Department")
    db.commit()
    for day in DAYS[:3]:
        hold(db, roster, day, roster.member)
    run_sweep(after(DAYS[2]))

    message = for_recipient(db, roster.facilitator.user.email, "agency_absence")
    assert message.subject == (
        "Helena Police Department missed 3 meetings in a row (Helena Youth Partnership)"
    )
    assert police.organization.name in message.text_body
    assert_matches_snapshot("agency_absence", message)


def test_final_minutes_email(app, db, roster):
    from partnerhub.auth.models import User
    from partnerhub.meetings import services

    meeting = one_off(db, roster.partnership, date(2027, 2, 16))
    db.add(AgendaItem(meeting_id=meeting.id, position=1, title="Consent <forms> & releases"))
    db.commit()
    actor = db.get(User, roster.facilitator.user_id)
    item = meeting.agenda_items[0]
    with app.app_context():
        services.save_minutes(
            db,
            actor,
            meeting,
            "All agencies present.\nSchools & police agreed the referral route.",
            {item.id: services.ItemMinutes("Reviewed the form.", "Adopt version 2.", True)},
            meeting.ends_at,
        )
        services.finalize_minutes(db, actor, meeting, meeting.ends_at)
        db.commit()

    message = for_recipient(db, roster.member.user.email, "final_minutes")
    assert message.subject.startswith("Minutes: Monthly partner review, ")
    assert_matches_snapshot("final_minutes", message)
