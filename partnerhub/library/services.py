"""Curating the library and reading it: site administrators keep the site-wide shelf, each
partnership its own; a partnership sees both."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from partnerhub.audit.services import record
from partnerhub.auth.models import User
from partnerhub.errors import DomainError, NotFound
from partnerhub.library.models import Resource, ResourceKind
from partnerhub.procedures.models import Framework


@dataclass
class ResourceData:
    title: str
    kind: ResourceKind
    frameworks: list[Framework] = field(default_factory=list)
    publisher: str = ""
    summary: str = ""
    url: str = ""
    body_markdown: str = ""


def shelf(
    session: Session,
    partnership_id: int | None,
    kind: ResourceKind | None = None,
    framework: Framework | None = None,
) -> list[Resource]:
    """The site-wide resources, and the partnership's own when one is named; the partnership's
    first, then by kind and title."""
    query = sa.select(Resource).where(
        sa.or_(Resource.partnership_id.is_(None), Resource.partnership_id == partnership_id)
        if partnership_id is not None
        else Resource.partnership_id.is_(None)
    )
    if kind is not None:
        query = query.where(Resource.kind == kind)
    resources = session.scalars(
        query.order_by(Resource.partnership_id.is_(None), Resource.kind, Resource.title)
    ).all()
    if framework is None:  # JSON lists are filtered here: a shelf holds dozens, not thousands
        return list(resources)
    return [r for r in resources if framework.value in (r.frameworks or [])]


def visible_resource(session: Session, partnership_id: int | None, resource_id: int) -> Resource:
    """A resource the partnership may see (site-wide, or its own), else NotFound."""
    resource = session.get(Resource, resource_id)
    if resource is None or resource.partnership_id not in (None, partnership_id):
        raise NotFound("There is no such resource in this library.")
    return resource


def add_resource(
    session: Session, actor: User, partnership_id: int | None, data: ResourceData, now: datetime
) -> Resource:
    """Put a resource on the site-wide shelf (partnership_id None) or a partnership's."""
    resource = Resource(partnership_id=partnership_id, added_by_id=actor.id)
    _fill(resource, data)
    session.add(resource)
    session.flush()
    _record(session, actor, "resource.added", resource, "Added", now)
    return resource


def edit_resource(
    session: Session, actor: User, resource: Resource, data: ResourceData, now: datetime
) -> Resource:
    _fill(resource, data)
    _record(session, actor, "resource.edited", resource, "Changed", now)
    return resource


def remove_resource(session: Session, actor: User, resource: Resource, now: datetime) -> None:
    _record(session, actor, "resource.removed", resource, "Removed", now)
    session.delete(resource)


def _fill(resource: Resource, data: ResourceData) -> None:
    if not data.url.strip() and not data.body_markdown.strip():
        raise DomainError("Give a link, or the text of the template.")
    if not data.kind.starts_a_draft and not data.url.strip():
        raise DomainError("Give the link where people find this resource.")
    resource.title = data.title.strip()
    resource.kind = data.kind
    resource.frameworks = [framework.value for framework in data.frameworks]
    resource.publisher = data.publisher.strip()
    resource.summary = data.summary.strip()
    resource.url = data.url.strip()
    resource.body_markdown = data.body_markdown


def _record(session, actor, action: str, resource: Resource, verb: str, now: datetime) -> None:
    shelf_name = "the site-wide library" if resource.is_site_wide else "the library"
    record(
        session,
        actor,
        action,
        resource,
        f"{verb} “{resource.title}” in {shelf_name}",
        now,
        partnership_id=resource.partnership_id,
    )


def draft_source(session: Session, partnership_id: int, resource_id: int | None) -> Resource | None:
    """The template or sample agreement a new draft starts from, if the partnership may see it."""
    if resource_id is None:
        return None
    try:
        resource = visible_resource(session, partnership_id, resource_id)
    except NotFound:
        return None
    return resource if resource.starts_a_draft else None
