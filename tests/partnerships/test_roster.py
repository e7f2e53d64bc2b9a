"""The roster: people by agency, sector coverage, changes, removal and CSV export."""

import csv
import io

from sqlalchemy import select

from partnerhub.audit.models import AuditEvent
from partnerhub.partnerships import services
from partnerhub.partnerships.models import (
    CORE_SECTORS,
    Membership,
    Role,
    Sector,
    SectorAbsence,
)
from tests.clock import NOW


def test_roster_groups_people_by_agency_and_highlights_missing_sectors(facilitated, make, db):
    school = make.agency(facilitated.partnership, "Helena Public Schools", Sector.SCHOOL)
    make.member(
        facilitated.partnership,
        make.user("Sam Officer"),
        agency=school,
        position="School Resource Officer",
    )
    db.commit()
    page = facilitated.client.get(facilitated.url("/roster")).get_data(as_text=True)
    assert "Helena Public Schools" in page and "School Resource Officer" in page
    assert "✔ Schools" in page
    assert "Missing: Law enforcement" in page
    assert "no liaison named" in page
    assert "record absence reason" in page


def test_absence_reason_settles_a_sector(facilitated, db):
    url = facilitated.url("/sectors/child_welfare/absence")
    facilitated.client.post(url, data={"reason": "The state office joins next quarter."})
    absence = db.scalar(select(SectorAbsence))
    assert absence.sector is Sector.CHILD_WELFARE
    page = facilitated.client.get(facilitated.url("/roster")).get_data(as_text=True)
    assert "Child welfare: absent, reason recorded" in page
    assert facilitated.client.get(facilitated.url("/sectors/other/absence")).status_code == 404


def test_absence_reasons_are_read_only_while_a_core_sector_is_missing(
    facilitated, make, db, count_queries
):
    facilitated.client.post(
        facilitated.url("/sectors/child_welfare/absence"),
        data={"reason": "The state office joins next quarter."},
    )
    sectors = [s for s in CORE_SECTORS if s is not Sector.CHILD_WELFARE]
    for sector in sectors:
        make.agency(facilitated.partnership, f"Helena {sector.label}", sector)
    db.commit()

    def roster() -> tuple[str, list[str]]:
        with count_queries() as statements:
            page = facilitated.client.get(facilitated.url("/roster")).get_data(as_text=True)
        return page, [s for s in statements if "sector_absences" in s]

    page, read = roster()
    assert "Child welfare: absent, reason recorded" in page and len(read) == 1
    make.agency(facilitated.partnership, "Helena Family Services", Sector.CHILD_WELFARE)
    db.commit()
    page, read = roster()
    assert "✔ Child welfare" in page and "absent, reason recorded" not in page and not read
    # the reason is still kept, and its form still shows it
    form = facilitated.client.get(facilitated.url("/sectors/child_welfare/absence"))
    assert "The state office joins next quarter." in form.get_data(as_text=True)


def test_facilitator_changes_a_role_and_the_change_is_recorded(facilitated, make, db):
    person = make.member(facilitated.partnership)
    db.commit()
    facilitated.client.post(
        facilitated.url(f"/roster/{person.id}"),
        data={"role": "facilitator", "agency": "0", "position": "Co-chair", "is_signatory": "y"},
    )
    db.expire_all()
    assert person.role is Role.FACILITATOR and person.is_signatory
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "member.updated"))


def test_the_last_facilitator_cannot_step_down_or_be_removed(facilitated, db):
    mine = db.scalar(select(Membership))
    response = facilitated.client.post(
        facilitated.url(f"/roster/{mine.id}"), data={"role": "member", "agency": "0"}
    )
    assert "needs a facilitator" in response.get_data(as_text=True)
    removed = facilitated.client.post(facilitated.url(f"/roster/{mine.id}/remove"))
    assert "needs a facilitator" in facilitated.client.get(removed.headers["Location"]).get_data(
        as_text=True
    )
    db.expire_all()
    assert mine.role is Role.FACILITATOR and mine.left_at is None


def test_removed_person_stays_in_the_history_and_loses_their_liaison_role(facilitated, make, db):
    agency = make.agency(facilitated.partnership, "Helena Police", Sector.LAW_ENFORCEMENT)
    officer = make.member(facilitated.partnership, make.user("Olly Officer"), agency=agency)
    agency.liaison_id = officer.id
    db.commit()
    facilitated.client.post(facilitated.url(f"/roster/{officer.id}/remove"))
    db.expire_all()
    assert officer.left_at is not None and agency.liaison_id is None
    page = facilitated.client.get(facilitated.url("/roster")).get_data(as_text=True)
    assert "People who left" in page and "Olly Officer" in page


def test_csv_export_is_a_proper_csv_and_defuses_formulas(facilitated, make, db):
    school = make.agency(facilitated.partnership, 'Helena, "Public" Schools', Sector.SCHOOL)
    make.member(
        facilitated.partnership,
        make.user('=HYPERLINK("x")'),
        agency=school,
        position="+1 Counselor",
        legal_advisor=True,
    )
    db.commit()
    response = facilitated.client.get(facilitated.url("/roster.csv"))
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    person = next(r for r in rows if "HYPERLINK" in r["Name"])
    assert person["Name"] == '\'=HYPERLINK("x")'
    assert person["Position"] == "'+1 Counselor"
    assert person["Agency"] == 'Helena, "Public" Schools'
    assert person["Legal advisor"] == "yes"
    assert len(rows) == 2


def test_the_roster_lists_current_people_first_with_their_agencies(facilitated, make, db):
    partnership = facilitated.partnership
    police = make.agency(partnership, "Helena Police", Sector.LAW_ENFORCEMENT)
    gone = make.member(partnership, make.user("Gus Gone"), agency=police)
    make.member(partnership, make.user("Olly Officer"), agency=police, signatory=True)
    gone.left_at = NOW
    db.commit()
    lines = services.roster_lines(db, partnership)
    assert [(m.name, m.agency, m.sector, m.is_signatory, m.is_active) for m in lines] == [
        ("Fiona Facilitator", "", "", False, True),
        ("Olly Officer", "Helena Police", "Law enforcement", True, True),
        ("Gus Gone", "Helena Police", "Law enforcement", False, False),
    ]
    page = facilitated.client.get(facilitated.url("/roster")).get_data(as_text=True)
    assert "Gus Gone" in page.split("People who left")[1]
    assert "(Helena Police)" in page
