"""The library: a site-wide shelf curated by site administrators, each partnership's own
shelf on top, and templates that start a procedure or agreement draft."""

from __future__ import annotations

from markupsafe import escape
from sqlalchemy import select

from partnerhub.audit.models import AuditEvent
from partnerhub.demo import load_demo
from partnerhub.library.models import Resource
from partnerhub.library.services import shelf as shelf_of
from partnerhub.partnerships.models import Partnership
from tests.clock import NOW

SITE = "/library"


def shown(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_a_partnership_sees_its_own_and_the_site_wide_shelf_not_another_partnerships(
    client, login_as, world, shelf
):
    login_as(world.observer.user)
    page = shown(client, f"/partnerships/{world.partnership.id}/library")
    assert "Helena release form" in page and "PTAC" in page and "Procedure template" in page
    assert "Their private template" not in page
    assert page.index("Helena release form") < page.index("PTAC")  # its own first
    site = shown(client, SITE)
    assert "PTAC" in site and "Helena release form" not in site


def test_the_shelf_filters_by_kind_and_by_the_law_covered(client, login_as, world, shelf):
    login_as(world.member.user)
    base = f"/partnerships/{world.partnership.id}/library"
    guidance = shown(client, f"{base}?kind=guidance")
    assert "PTAC" in guidance and "Procedure template" not in guidance
    hipaa = shown(client, f"{base}?framework=hipaa")
    assert "Helena release form" in hipaa and "Procedure template" in hipaa
    assert "PTAC" not in hipaa
    assert "PTAC" in shown(client, f"{base}?kind=nonsense&framework=%00")


def test_a_template_starts_a_procedure_draft_with_its_text(client, login_as, world, shelf, db):
    login_as(world.member.user)
    base = f"/partnerships/{world.partnership.id}"
    page = shown(client, f"{base}/library")
    start = f"{base}/procedures/new?template={shelf['template'].id}"
    assert escape(start) in page
    form = shown(client, start)
    assert 'value="Procedure template"' in form
    assert "# [Procedure title]" in form
    other = shown(client, f"{base}/procedures/new?template={shelf['theirs'].id}")
    assert "Not for Helena." not in other


def test_a_sample_agreement_starts_an_agreement_draft(client, login_as, world, db, make):
    sample = Resource(
        title="Agreement clauses", kind="sample_agreement", body_markdown="Purpose: [purpose]."
    )
    db.add(sample)
    db.commit()
    login_as(world.facilitator.user)
    form = shown(
        client, f"/partnerships/{world.partnership.id}/agreements/new?template={sample.id}"
    )
    assert 'value="Agreement clauses"' in form and "Purpose: [purpose]." in form


def test_members_add_resources_to_their_partnership_and_it_is_audited(client, login_as, world, db):
    login_as(world.member.user)
    url = f"/partnerships/{world.partnership.id}/library/new"
    refused = client.post(url, data={"title": "Slides", "kind": "training"})
    assert refused.status_code == 200
    assert "Give a link, or the text of the template." in refused.get_data(as_text=True)
    no_link = client.post(url, data={"title": "Slides", "kind": "training", "body_markdown": "x"})
    assert "Give the link where people find this resource." in no_link.get_data(as_text=True)
    added = client.post(
        url,
        data={
            "title": "HIPAA training slides",
            "kind": "training",
            "frameworks": ["hipaa"],
            "url": "https://helena.example.org/hipaa-slides",
        },
    )
    assert added.status_code == 302
    resource = db.scalars(select(Resource)).one()
    assert (resource.partnership_id, resource.frameworks) == (world.partnership.id, ["hipaa"])
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "resource.added")).one()
    assert event.partnership_id == world.partnership.id


def test_site_administrators_curate_the_site_wide_shelf(client, login_as, world, db, shelf):
    login_as(world.admin)
    added = client.post(
        "/admin/library/new",
        data={
            "title": "FERPA and juvenile justice",
            "kind": "guidance",
            "frameworks": ["ferpa"],
            "url": "https://www.ecfr.gov/current/title-34/subtitle-A/part-99",
        },
    )
    assert added.status_code == 302
    resource = db.scalars(
        select(Resource).where(Resource.title == "FERPA and juvenile justice")
    ).one()
    assert resource.partnership_id is None
    ptac_id = shelf["ptac"].id
    client.post(f"/admin/library/{ptac_id}/remove")
    db.expire_all()
    assert db.get(Resource, ptac_id) is None
    # A partnership's own resource is not the site administrators' to change here.
    assert client.get(f"/admin/library/{shelf['own'].id}/edit").status_code == 404


def test_a_facilitator_cannot_change_a_site_wide_resource_through_the_partnership(
    client, login_as, world, shelf
):
    login_as(world.facilitator.user)
    base = f"/partnerships/{world.partnership.id}/library"
    assert client.get(f"{base}/{shelf['ptac'].id}/edit").status_code == 404
    assert client.get(f"{base}/{shelf['theirs'].id}/edit").status_code == 404
    assert client.get(f"{base}/{shelf['own'].id}/edit").status_code == 200


def test_the_demo_partnership_has_its_training_and_a_template_to_start_from(db):
    load_demo(db, NOW)
    db.commit()
    partnership = db.scalar(select(Partnership))
    own = [r for r in shelf_of(db, partnership.id) if r.partnership_id == partnership.id]
    assert {r.kind.value for r in own} == {"training", "template"}
    assert all(r.starts_a_draft for r in own if r.kind.value == "template")
