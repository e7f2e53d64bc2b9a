"""A site administrator who is not a member reads every page of a partnership, read-only:
each look is one activity-log event naming the admin and the page, the pages say so in a
banner and offer no way to change anything."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from partnerhub.audit.models import AuditEvent
from tests.test_authorization import methods_of, route_url
from tests.world import declared_routes, route_values

READABLE = sorted(
    endpoint
    for endpoint, policy in declared_routes().items()
    if policy == "view" and "GET" in methods_of(endpoint)
)
POST_FORM = re.compile(r"<form[^>]*method=\"post\"[^>]*action=\"([^\"]*)\"", re.IGNORECASE)


def looks(db) -> list[AuditEvent]:
    db.expire_all()
    return db.scalars(
        select(AuditEvent).where(AuditEvent.action == "partnership.administrator_viewed")
    ).all()


@pytest.mark.parametrize("endpoint", READABLE)
def test_each_look_is_audited_once_and_offers_no_change(
    app, client, db, make, world, login_as, endpoint
):
    values = route_values(make, world).get(endpoint, {})
    db.commit()
    url = route_url(app, endpoint, values, world)
    login_as(world.admin)

    response = client.get(url)

    assert response.status_code in (200, 302)  # a document download may redirect
    [event] = looks(db)
    assert event.actor_id == world.admin.id
    assert event.partnership_id == world.partnership.id
    assert event.summary == f"Site administrator Ada Admin looked at {url.split('?')[0]}"
    assert event.details["endpoint"] == endpoint
    if response.status_code == 200 and response.mimetype == "text/html":
        page = response.get_data(as_text=True)
        assert "Read-only: site administrator view" in page
        assert [a for a in POST_FORM.findall(page) if a != "/logout"] == []


def test_members_see_no_banner_and_leave_no_look(client, db, world, login_as):
    db.commit()
    login_as(world.observer.user)
    page = client.get(f"/partnerships/{world.partnership.id}").get_data(as_text=True)
    assert "Read-only: site administrator view" not in page
    assert looks(db) == []


def test_the_partnership_navigation_shows_the_admin_the_readable_pages(client, db, world, login_as):
    db.commit()
    login_as(world.admin)
    page = client.get(f"/partnerships/{world.partnership.id}").get_data(as_text=True)
    for label in ("Overview", "Partner", "Plan", "Act"):
        assert f">{label}" in page
    assert "Edit details" not in page


def test_a_write_by_the_admin_is_refused_and_not_recorded_as_a_look(client, db, world, login_as):
    db.commit()
    login_as(world.admin)
    response = client.post(
        f"/partnerships/{world.partnership.id}/edit", data={"name": "Taken over"}
    )
    assert response.status_code == 403
    assert looks(db) == []
