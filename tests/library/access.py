"""Routes of the library and who may reach them."""

from partnerhub.library.models import Resource, ResourceKind

ROUTES = {
    "library.site_shelf": "login",
    "library.new_site_resource": "admin",
    "library.edit_site_resource": "admin",
    "library.remove_site_resource": "admin",
    "library.partnership_shelf": "view",
    "library.new_resource": "contribute",
    "library.edit_resource": "manage",
    "library.remove_resource": "manage",
}

RESOURCE = {
    "title": "Helena release-of-information form",
    "kind": "template",
    "frameworks": "ferpa",
    "publisher": "Helena Public Schools",
    "summary": "The joint release schools and mental health agreed in March.",
    "url": "https://helena.example.org/release.pdf",
    "body_markdown": "1. Check the release.\n2. Share the status only.",
}
FIELDS = ["title", "publisher", "summary", "url", "body_markdown"]
FORMS = [
    ("library.new_site_resource", RESOURCE, FIELDS),
    ("library.edit_site_resource", RESOURCE, FIELDS),
    ("library.new_resource", RESOURCE, FIELDS),
    ("library.edit_resource", RESOURCE, FIELDS),
]


def url_values(make, world) -> dict[str, dict]:
    """A site-wide resource and one of the world partnership's own."""
    session = make.session
    site = Resource(title="PTAC", kind=ResourceKind.GUIDANCE, url="https://studentprivacy.ed.gov/")
    own = Resource(
        partnership_id=world.partnership.id,
        title="Our release form",
        kind=ResourceKind.TEMPLATE,
        body_markdown="1. Check the release.",
    )
    session.add_all([site, own])
    session.flush()
    return {
        "library.edit_site_resource": {"resource_id": site.id},
        "library.remove_site_resource": {"resource_id": site.id},
        "library.edit_resource": {"resource_id": own.id},
        "library.remove_resource": {"resource_id": own.id},
    }
