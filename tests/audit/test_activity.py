"""The activity page: every recorded change, who made it and when, in the partnership's time."""

from datetime import UTC, datetime

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
