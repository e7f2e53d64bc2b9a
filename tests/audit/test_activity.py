"""The activity page: every recorded change, who made it and when, in the partnership's time."""

from datetime import UTC, datetime, timedelta

from partnerhub.audit.services import record
from partnerhub.partnerships import services
from partnerhub.partnerships.models import Sector
from tests.clock import NOW


def test_facilitator_sees_who_did_what_when_in_the_partnerships_time_zone(
    client, make, db, login_as
):
    fiona = make.user("Fiona Facilitator", timezone="Europe/Paris")
    partnership = make.partnership(fiona, name="Helena Youth Partnership")
    at = datetime(2026, 3, 10, 21, 30, tzinfo=UTC)
    services.add_agency(
        db,
        fiona,
        partnership,
        at,
        new=services.NewOrganization("Helena Police", Sector.LAW_ENFORCEMENT),
    )
    db.commit()

    page = login_as(fiona).get(f"/partnerships/{partnership.id}/activity").get_data(as_text=True)

    assert "Added Helena Police (Law enforcement)" in page
    assert "Fiona Facilitator" in page
    assert "Tue 10 Mar 2026, 15:30" in page  # Helena (America/Denver)
    assert "Tue 10 Mar 2026, 22:30" in page  # Fiona's own time zone


def test_events_of_other_partnerships_are_not_shown(client, make, db, login_as):
    fiona = make.user("Fiona Facilitator")
    mine = make.partnership(fiona)
    other = make.partnership(make.user())
    record(db, None, "note", other, "Something elsewhere", NOW, partnership_id=other.id)
    db.commit()
    page = login_as(fiona).get(f"/partnerships/{mine.id}/activity").get_data(as_text=True)
    assert "Something elsewhere" not in page
    assert "Nothing has been recorded yet." in page


def test_activity_comes_in_pages_of_fifty_newest_first(client, make, db, login_as):
    fiona = make.user("Fiona Facilitator")
    partnership = make.partnership(fiona)
    for n in range(60):
        record(
            db,
            None,
            "note",
            partnership,
            f"Note number {n:02d}",
            NOW + timedelta(minutes=n),
            partnership_id=partnership.id,
        )
    db.commit()
    url = f"/partnerships/{partnership.id}/activity"
    login_as(fiona)

    first = client.get(url).get_data(as_text=True)
    second = client.get(f"{url}?page=2").get_data(as_text=True)
    beyond = client.get(f"{url}?page=99999999999999999999").get_data(as_text=True)

    assert "Note number 59" in first and "Note number 10" in first
    assert "Note number 09" not in first and "Older" in first and "Newer" not in first
    assert "Note number 09" in second and "Note number 10" not in second
    assert "Newer" in second and "Older" not in second
    assert "No older activity." in beyond


def test_the_overview_folds_a_run_of_alike_events_into_one_line(client, make, db, login_as):
    fiona = make.user("Fiona Facilitator")
    partnership = make.partnership(fiona)
    pid = partnership.id
    for minute, name in enumerate(["Helena Police", "Helena Schools", "Helena Health"]):
        record(
            db,
            fiona,
            "agency.add",
            partnership,
            f"Added {name}",
            NOW + timedelta(minutes=minute),
            partnership_id=pid,
        )
    record(
        db,
        fiona,
        "stage.tick",
        partnership,
        "Ticked the legal advisor",
        NOW + timedelta(minutes=5),
        partnership_id=pid,
    )
    # The same kind of change a day later is news again.
    record(
        db,
        fiona,
        "agency.add",
        partnership,
        "Added Helena Courts",
        NOW + timedelta(days=1),
        partnership_id=pid,
    )
    db.commit()

    page = login_as(fiona).get(f"/partnerships/{pid}").get_data(as_text=True)
    recent = page[page.index('id="recent"') :]

    assert recent.count('<li class="mb-1">') == 3
    assert recent.index("Added Helena Courts") < recent.index("Ticked the legal advisor")
    assert "Added Helena Health" in recent and "and 2 more like it" in recent
    assert recent.index("Added Helena Schools") < recent.index("Added Helena Police")


def test_a_change_no_person_made_is_shown_as_partnerhubs(client, make, db, login_as):
    fiona = make.user("Fiona Facilitator")
    partnership = make.partnership(fiona)
    pid = partnership.id
    record(db, None, "flag.raise", partnership, "Flagged a renewal", NOW, partnership_id=pid)
    db.commit()
    login_as(fiona)

    activity = client.get(f"/partnerships/{pid}/activity").get_data(as_text=True)
    overview = client.get(f"/partnerships/{pid}").get_data(as_text=True)

    row = activity[activity.index("<tbody>") : activity.index("Flagged a renewal")]
    assert "<td>PartnerHub</td>" in row and "Fiona Facilitator" not in row
    assert "· PartnerHub: Flagged a renewal" in overview
