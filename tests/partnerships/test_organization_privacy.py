"""An organization's name stays with the partnership that typed it, unless a site admin puts it
in the shared directory."""

import pytest
from sqlalchemy import select

from partnerhub.audit.models import AuditEvent
from partnerhub.errors import NotFound
from partnerhub.partnerships import services
from partnerhub.partnerships.models import Organization, PartnerAgency, Sector
from tests.clock import NOW

SECRET = "CANARYA Secret Clinic"


@pytest.fixture
def other(make, db, login_as):
    """Grossmont, facilitated by Otto, with its own client."""
    otto = make.user("Otto Other")
    partnership = make.partnership(otto, name="Grossmont Partnership")
    db.commit()
    return partnership, otto


def add(client, partnership, **data):
    return client.post(f"/partnerships/{partnership.id}/agencies/new", data=data)


def typed_in(facilitated, db) -> Organization:
    response = add(
        facilitated.client,
        facilitated.partnership,
        organization="0",
        name=SECRET,
        sector="mental_health",
    )
    assert response.status_code == 302
    facilitated.client.get(response.headers["Location"])  # (shows the flashed confirmation)
    return db.scalar(select(Organization).where(Organization.name == SECRET))


def test_a_typed_name_is_private_to_its_partnership(facilitated, other, db, app):
    organization = typed_in(facilitated, db)
    assert organization.owner_partnership_id == facilitated.partnership.id
    assert organization.shared is False

    grossmont, otto = other
    page = login_for(app, db, otto).get(f"/partnerships/{grossmont.id}/agencies/new")
    assert page.status_code == 200
    assert SECRET not in page.get_data(as_text=True)
    own = facilitated.client.get(facilitated.url("/agencies/new")).get_data(as_text=True)
    assert SECRET not in own  # already at Helena's table, so not offered again


def login_for(app, db, user):
    from partnerhub.auth.services import start_session

    token = start_session(db, user, NOW, remember=False)
    db.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return client


def test_another_partnerships_private_organization_cannot_be_posted(facilitated, other, db, app):
    organization = typed_in(facilitated, db)
    grossmont, otto = other
    client = login_for(app, db, otto)
    response = add(client, grossmont, organization=str(organization.id))
    assert response.status_code in (200, 404)
    assert SECRET not in response.get_data(as_text=True)
    assert db.query(PartnerAgency).filter_by(partnership_id=grossmont.id).count() == 0
    with pytest.raises(NotFound):
        services.add_agency(db, otto, grossmont, NOW, organization_id=organization.id)


def test_typing_the_same_name_elsewhere_makes_a_separate_organization(facilitated, other, db, app):
    mine = typed_in(facilitated, db)
    grossmont, otto = other
    response = add(
        login_for(app, db, otto),
        grossmont,
        organization="0",
        name=SECRET.upper(),
        sector="other",
        sector_label="Clinic",
    )
    assert response.status_code == 302
    theirs = db.scalar(select(PartnerAgency).filter_by(partnership_id=grossmont.id)).organization
    assert theirs.id != mine.id and theirs.owner_partnership_id == grossmont.id
    page = login_for(app, db, otto).get(response.headers["Location"]).get_data(as_text=True)
    assert "already known" not in page  # nothing tells Grossmont that Helena knows the name


def test_a_left_organization_is_offered_again_to_its_partnership(facilitated, make, db):
    agency = make.agency(facilitated.partnership, "Helena Police Department")
    agency.left_on = agency.joined_on
    db.commit()
    page = facilitated.client.get(facilitated.url("/agencies/new")).get_data(as_text=True)
    assert "Helena Police Department" in page


def test_a_site_admin_puts_an_organization_in_the_shared_directory(
    facilitated, other, make, db, app
):
    organization = typed_in(facilitated, db)
    admin = make.user("Ada Admin", admin=True)
    grossmont, otto = other
    db.commit()
    admin_client = login_for(app, db, admin)
    listing = admin_client.get("/admin/organizations").get_data(as_text=True)
    assert SECRET in listing and "Helena Youth Partnership" in listing

    response = admin_client.post(f"/admin/organizations/{organization.id}/share")
    assert response.status_code == 302
    db.expire_all()
    assert organization.shared is True
    assert db.scalars(select(AuditEvent.action)).all()[-1] == "organization.shared"

    otto_client = login_for(app, db, otto)
    offered = otto_client.get(f"/partnerships/{grossmont.id}/agencies/new")
    assert SECRET in offered.get_data(as_text=True)
    reused = add(otto_client, grossmont, organization="0", name=SECRET, sector="school")
    assert reused.status_code == 302
    seated = db.scalar(select(PartnerAgency).filter_by(partnership_id=grossmont.id))
    assert seated.organization_id == organization.id

    admin_client.post(f"/admin/organizations/{organization.id}/unshare")
    db.expire_all()
    assert organization.shared is False
    # Grossmont keeps what it seated; a third partnership no longer sees it.
    assert db.scalar(select(PartnerAgency).filter_by(partnership_id=grossmont.id)).is_active
    third = make.partnership(make.user(), name="Third Partnership")
    assert organization not in services.available_organizations(db, third)


def test_a_name_already_in_the_directory_cannot_be_shared_twice(facilitated, other, make, db):
    organization = typed_in(facilitated, db)
    make.organization(SECRET, Sector.MENTAL_HEALTH, shared=True)
    admin = make.user("Ada Admin", admin=True)
    db.commit()
    with pytest.raises(Exception, match="already in the shared directory"):
        services.share_organization(db, admin, organization.id, NOW)


def test_only_site_admins_share(facilitated, db):
    organization = typed_in(facilitated, db)
    response = facilitated.client.post(f"/admin/organizations/{organization.id}/share")
    assert response.status_code == 403
    db.expire_all()
    assert organization.shared is False
