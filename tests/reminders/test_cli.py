"""`partnerhub reminders run [--now ISO-TIME]`: one sweep and delivery, for operators and cron."""

from __future__ import annotations

from datetime import date

from click.testing import CliRunner

from partnerhub.cli import main
from tests.reminders.conftest import DAY, one_off


def test_reminders_run_sweeps_delivers_and_says_what_it_did(app, db, roster, smtp):
    meeting = one_off(db, roster.partnership, date(2027, 3, 16))
    when = (meeting.starts_at - DAY).isoformat()

    first = CliRunner().invoke(main, ["reminders", "run", "--now", when], obj=app)
    assert first.exit_code == 0, first.output
    assert "queued 3 email(s) (3 meeting_reminder), skipped 1, cancelled 0" in first.output
    assert "Delivery: sent 3, deferred 0, failed 0." in first.output
    assert sorted(m["To"] for m in smtp.messages) == sorted(
        m.user.email for m in roster.memberships
    )

    again = CliRunner().invoke(main, ["reminders", "run", "--now", when], obj=app)
    assert "queued 0 email(s), skipped 0, cancelled 0" in again.output
    assert "Delivery: sent 0" in again.output
    assert len(smtp.messages) == 3


def test_reminders_run_refuses_a_time_it_cannot_read(app):
    result = CliRunner().invoke(main, ["reminders", "run", "--now", "next tuesday"], obj=app)
    assert result.exit_code == 2
    assert "not an ISO time" in result.output
