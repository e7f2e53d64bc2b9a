"""Agencies at a partnership's table: adding, reusing organizations, contacts, leaving."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from partnerhub.errors import DomainError
from partnerhub.partnerships import services
from partnerhub.partnerships.models import Organization, PartnerAgency, Sector
from tests.clock import NOW


def add(facilitated, **data):
    return facilitated.client.post(facilitated.url("/agencies/new"), data=data)


def test_a_new_organization_joins_with_its_sector(facilitated, db):
    response = add(
        facilitated, organization="0", name="Helena Police Department", sector="law_enforcement"
    )
    assert response.status_code == 302
    agency = db.scalar(select(PartnerAgency))
    assert agency.organization.sector is Sector.LAW_ENFORCEMENT
    page = facilitated.client.get(facilitated.url("/agencies")).get_data(as_text=True)
    assert "Helena Police Department" in page and "no liaison" in page


def test_other_sector_needs_a_label(facilitated, db):
    response = add(facilitated, organization="0", name="Recovery Services", sector="other")
    assert response.status_code == 200
    assert "Say what kind of organization it is" in response.get_data(as_text=True)
    assert db.query(Organization).count() == 0
    add(
        facilitated,
        organization="0",
        name="Recovery Services",
        sector="other",
        sector_label="Substance-abuse treatment",
    )
    assert db.scalar(select(Organization)).sector_display == "Substance-abuse treatment"


def test_a_known_name_in_another_case_reuses_the_organization(facilitated, make, db):
    known = make.organization("Helena Public Schools", Sector.SCHOOL, shared=True)
    db.commit()
    response = add(
        facilitated,
        organization="0",
        name="HELENA public schools",
        sector="other",
        sector_label="x",
    )
    assert db.query(Organization).count() == 1
    assert db.scalar(select(PartnerAgency)).organization_id == known.id
    page = facilitated.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "already known" in page


def test_an_organization_sits_in_several_partnerships_but_once_in_each(facilitated, make, db):
    other = make.partnership(make.user(), name="Grossmont")
    school = make.organization("Helena Public Schools", Sector.SCHOOL, shared=True)
    make.agency(other, organization=school)
    db.commit()
    assert add(facilitated, organization=str(school.id)).status_code == 302
    again = add(facilitated, organization="0", name="Helena Public Schools", sector="school")
    assert "already at this partnership" in again.get_data(as_text=True)
    assert db.query(PartnerAgency).count() == 2


def test_liaison_and_alternate_come_from_the_agencys_people(facilitated, make, db):
    agency = make.agency(facilitated.partnership, "Helena Police", Sector.LAW_ENFORCEMENT)
    officer = make.member(facilitated.partnership, agency=agency, position="SRO")
    chief = make.member(facilitated.partnership, agency=agency)
    stranger = make.member(facilitated.partnership)
    db.commit()
    url = facilitated.url(f"/agencies/{agency.id}")
    refused = facilitated.client.post(url, data={"liaison": stranger.id, "alternate": 0})
    assert "Not a valid choice" in refused.get_data(as_text=True)
    with pytest.raises(DomainError, match="among the agency's own people"):
        services.name_contacts(db, facilitated.user, agency, stranger.id, None, NOW)
    same = facilitated.client.post(url, data={"liaison": officer.id, "alternate": officer.id})
    assert "someone other than the liaison" in same.get_data(as_text=True)
    facilitated.client.post(url, data={"liaison": officer.id, "alternate": chief.id})
    db.expire_all()
    assert (agency.liaison_id, agency.alternate_id) == (officer.id, chief.id)


def test_an_agency_from_another_partnership_is_not_found(facilitated, make, db):
    other = make.partnership(make.user(), name="Grossmont")
    foreign = make.agency(other, "Grossmont Union", Sector.SCHOOL)
    db.commit()
    assert facilitated.client.get(facilitated.url(f"/agencies/{foreign.id}")).status_code == 404
    response = facilitated.client.post(facilitated.url(f"/agencies/{foreign.id}/remove"))
    assert response.status_code == 404
    db.expire_all()
    assert foreign.left_on is None


def test_removed_agency_keeps_its_history(facilitated, make, db):
    agency = make.agency(facilitated.partnership, "Helena Police", Sector.LAW_ENFORCEMENT)
    db.commit()
    facilitated.client.post(facilitated.url(f"/agencies/{agency.id}/remove"))
    db.expire_all()
    assert agency.left_on is not None
    page = facilitated.client.get(facilitated.url("/agencies")).get_data(as_text=True)
    assert "Agencies that left" in page and "Helena Police" in page


def test_each_agency_has_its_own_remove_button_in_the_one_form_of_the_page(facilitated, make, db):
    police = make.agency(facilitated.partnership, "Helena Police", Sector.LAW_ENFORCEMENT)
    clinic = make.agency(facilitated.partnership, "Helena Clinic", Sector.MENTAL_HEALTH)
    db.commit()
    page = facilitated.client.get(facilitated.url("/agencies")).get_data(as_text=True)
    assert page.count('<form id="remove-agency" method="post">') == 1
    for agency, name in ((police, "Helena Police"), (clinic, "Helena Clinic")):
        assert (
            f'form="remove-agency" formaction="{facilitated.url(f"/agencies/{agency.id}/remove")}"'
            f' class="btn btn-outline-danger btn-sm"'
            f' data-confirm="Remove {name} from the partnership?">Remove'
        ) in page
        contacts = facilitated.url(f"/agencies/{agency.id}")
        assert f'href="{contacts}">Contacts<span class="visually-hidden"> of {name}' in page


def test_each_agency_is_listed_with_its_own_contacts_and_sector(facilitated, make, db):
    partnership = facilitated.partnership
    police = make.agency(partnership, "Helena Police", Sector.LAW_ENFORCEMENT)
    clinic_organization = make.organization(
        "Helena Clinic", Sector.OTHER, "Treatment", owner=partnership
    )
    clinic = make.agency(partnership, organization=clinic_organization)
    gone = make.agency(partnership, "Helena Probation", Sector.JUVENILE_JUSTICE)
    gone_before = make.agency(partnership, "Aspen Probation", Sector.JUVENILE_JUSTICE)
    officer = make.member(partnership, make.user("Olly Officer"), agency=police)
    chief = make.member(partnership, make.user("Cora Chief"), agency=police)
    nurse = make.member(partnership, make.user("Nina Nurse"), agency=clinic)
    police.liaison_id, police.alternate_id = officer.id, chief.id
    clinic.liaison_id = nurse.id
    gone.left_on = NOW.date()
    gone_before.left_on = NOW.date() - timedelta(days=40)
    db.commit()
    lines = services.agency_lines(db, partnership)
    assert [(a.id, a.name, a.sector, a.sector_display) for a in lines] == [
        (clinic.id, "Helena Clinic", Sector.OTHER, "Treatment"),
        (police.id, "Helena Police", Sector.LAW_ENFORCEMENT, "Law enforcement"),
    ]
    assert [(a.liaison_id, a.liaison, a.alternate_id, a.alternate) for a in lines] == [
        (nurse.id, "Nina Nurse", None, None),
        (officer.id, "Olly Officer", chief.id, "Cora Chief"),
    ]
    now, former = services.agencies_now_and_former(db, partnership)
    assert now == lines
    assert [(a.id, a.left_on) for a in former] == [  # the most recent first
        (gone.id, NOW.date()),
        (gone_before.id, NOW.date() - timedelta(days=40)),
    ]
    page = facilitated.client.get(facilitated.url("/agencies")).get_data(as_text=True)
    assert "Cora Chief" in page and "Treatment" in page
    assert "Agencies that left" in page
    assert "Helena Probation (Juvenile justice)" in page
