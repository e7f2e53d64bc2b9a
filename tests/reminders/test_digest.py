"""The daily digest: asked for, sent once a day at 7:00 in each subscriber's own time zone,
with the open flags and the coming week's meetings of their partnerships."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from partnerhub.notifications.models import NotificationPreference, ReminderKind
from tests.reminders.conftest import T0, one_off, outbox, procedure

HOUR = timedelta(hours=1)


def subscribe(db, *memberships) -> None:
    """Ask for the digest; members other than Bea (Berlin) live in Denver, like the
    partnership."""
    for membership in memberships:
        if membership.user.timezone == "UTC":
            membership.user.timezone = "America/Denver"
        db.add(
            NotificationPreference(
                user_id=membership.user_id, kind=ReminderKind.DAILY_DIGEST, enabled=True
            )
        )
    db.commit()


def digests(db) -> list:
    return outbox(db, kind="daily_digest")


def test_a_subscriber_gets_one_digest_a_day_at_seven_their_time(db, roster, run_sweep):
    one_off(db, roster.partnership, date(2027, 3, 5))
    subscribe(db, roster.member, roster.abroad)  # Denver (UTC-7 in March) and Berlin (UTC+1)
    berlin_seven = datetime(2027, 3, 3, 6, 0, tzinfo=UTC)
    denver_seven = datetime(2027, 3, 3, 14, 0, tzinfo=UTC)

    run_sweep(berlin_seven - timedelta(minutes=1))
    assert {m.recipient for m in digests(db)} == {roster.member.user.email}  # Denver's 2 March
    run_sweep(berlin_seven)
    assert len(digests(db)) == 2
    run_sweep(berlin_seven + 3 * HOUR)
    run_sweep(denver_seven - timedelta(minutes=1))
    assert len(digests(db)) == 2
    run_sweep(denver_seven)
    run_sweep(denver_seven + 5 * HOUR)

    keys = sorted(m.idempotency_key.rsplit(":", 1)[1] for m in digests(db))
    assert keys == ["2027-03-02", "2027-03-03", "2027-03-03"]
    assert {m.recipient for m in digests(db)} == {
        roster.member.user.email,
        roster.abroad.user.email,
    }


def test_nobody_gets_a_digest_without_asking_or_with_nothing_to_report(db, roster, run_sweep):
    run_sweep(T0)
    assert digests(db) == []  # nothing to report
    one_off(db, roster.partnership, date(2027, 3, 5))
    run_sweep(T0 + HOUR)
    assert digests(db) == []  # nobody asked


def test_the_digest_lists_open_flags_and_the_week_s_meetings(
    db, roster, run_sweep, deliver_pending, smtp
):
    soon = one_off(db, roster.partnership, date(2027, 3, 5), title="Monthly partner review")
    one_off(db, roster.partnership, date(2027, 3, 20), title="Next month's review")
    procedure(db, roster.school, date(2027, 3, 1), title="Attendance concerns")
    subscribe(db, roster.member)
    run_sweep(T0)  # 5:00 in Denver: flags the procedure, too early for the digest
    assert digests(db) == []

    run_sweep(datetime(2027, 3, 2, 14, 5, tzinfo=UTC))
    deliver_pending(datetime(2027, 3, 2, 14, 5, tzinfo=UTC))

    (email,) = [m for m in smtp.messages if m["Subject"].startswith("PartnerHub digest")]
    assert email["Subject"] == "PartnerHub digest for Tuesday 2 March 2027"
    assert email["To"] == roster.member.user.email
    text = email.get_body(("plain",)).get_content()
    assert "Procedure review: Attendance concerns (due 1 March 2027)" in text
    assert "Friday 5 March 2027, 15:00 MST: Monthly partner review" in text
    assert f"/meetings/{soon.id}" in text
    assert "Next month's review" not in text
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_unsubscribing_from_the_digest_stops_it(
    client, db, roster, run_sweep, deliver_pending, smtp
):
    one_off(db, roster.partnership, date(2027, 3, 5))
    subscribe(db, roster.member)
    first = datetime(2027, 3, 2, 14, 0, tzinfo=UTC)
    run_sweep(first)
    deliver_pending(first)
    (email,) = [m for m in smtp.messages if m["Subject"].startswith("PartnerHub digest")]
    link = email["List-Unsubscribe"].strip("<>").removeprefix("http://partnerhub.test")

    assert client.post(link, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    run_sweep(first + timedelta(days=1))

    assert len(digests(db)) == 1
