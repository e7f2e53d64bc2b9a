"""The library's pages: the site-wide shelf (read by everyone, kept by site administrators) and
each partnership's shelf (the site-wide one plus its own)."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from partnerhub import permissions
from partnerhub.auth.views import admin_required
from partnerhub.db import utcnow
from partnerhub.extensions import database
from partnerhub.library import services
from partnerhub.library.forms import ResourceForm
from partnerhub.library.models import Resource, ResourceKind
from partnerhub.partnerships.registry import add_tab
from partnerhub.procedures.models import Framework
from partnerhub.web import apply, load_partnership

blueprint = Blueprint("library", __name__)
PARTNERSHIP = "/partnerships/<int:partnership_id>/library"

add_tab("Library", "library.partnership_shelf", 85, section="act", covers=("library.",))


@blueprint.route("/library")
@login_required
def site_shelf():
    """Templates, guidance, trainings and sample agreements for every partnership."""
    return _shelf_page(None)


@blueprint.route(PARTNERSHIP)
@login_required
def partnership_shelf(partnership_id: int):
    """The partnership's own resources, then the site-wide ones."""
    return _shelf_page(load_partnership(partnership_id))


@blueprint.route("/admin/library/new", methods=["GET", "POST"])
@admin_required
def new_site_resource():
    return _resource_form(None, None)


@blueprint.route("/admin/library/<int:resource_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_site_resource(resource_id: int):
    return _resource_form(None, _resource(None, resource_id))


@blueprint.route("/admin/library/<int:resource_id>/remove", methods=["POST"])
@admin_required
def remove_site_resource(resource_id: int):
    return _remove(None, _resource(None, resource_id))


@blueprint.route(PARTNERSHIP + "/new", methods=["GET", "POST"])
@login_required
def new_resource(partnership_id: int):
    return _resource_form(load_partnership(partnership_id, permissions.CONTRIBUTE), None)


@blueprint.route(PARTNERSHIP + "/<int:resource_id>/edit", methods=["GET", "POST"])
@login_required
def edit_resource(partnership_id: int, resource_id: int):
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    return _resource_form(partnership, _resource(partnership.id, resource_id))


@blueprint.route(PARTNERSHIP + "/<int:resource_id>/remove", methods=["POST"])
@login_required
def remove_resource(partnership_id: int, resource_id: int):
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    return _remove(partnership, _resource(partnership.id, resource_id))


def _shelf_page(partnership):
    kind = _choice(ResourceKind, request.args.get("kind"))
    framework = _choice(Framework, request.args.get("framework"))
    resources = services.shelf(
        database.session, partnership.id if partnership else None, kind, framework
    )
    return render_template(
        "library/shelf.html",
        partnership=partnership,
        membership=g.get("membership"),
        resources=resources,
        kinds=list(ResourceKind),
        frameworks=list(Framework),
        framework_labels={f.value: f.label for f in Framework},
        kind=kind,
        framework=framework,
    )


def _resource_form(partnership, resource):
    form = ResourceForm(obj=resource if request.method == "GET" else None)
    if request.method == "GET" and resource is not None:
        form.kind.data = resource.kind.value
    if form.validate_on_submit():
        data = form.resource_data()
        # A new resource goes on the named shelf; an edit changes the one loaded.
        service, target = (
            (services.add_resource, partnership.id if partnership else None)
            if resource is None
            else (services.edit_resource, resource)
        )
        saved = apply(
            service,
            database.session,
            current_user,
            target,
            data,
            utcnow(),
            done=f"“{data.title.strip()}” is in the library.",
            at=form.url,
        )
        if saved:
            return redirect(_shelf_url(partnership))
    return render_template(
        "library/resource_form.html",
        form=form,
        partnership=partnership,
        resource=resource,
        membership=g.get("membership"),
    )


def _remove(partnership, resource):
    apply(
        services.remove_resource,
        database.session,
        current_user,
        resource,
        utcnow(),
        done=f"“{resource.title}” is no longer in the library.",
    )
    return redirect(_shelf_url(partnership))


def _resource(partnership_id, resource_id: int):
    """A resource on the named shelf only (site-wide when partnership_id is None), else 404:
    a partnership changes only its own, site administrators only the site-wide shelf."""
    resource = database.session.get(Resource, resource_id)
    if resource is None or resource.partnership_id != partnership_id:
        abort(404)
    return resource


def _shelf_url(partnership) -> str:
    if partnership is None:
        return url_for(".site_shelf")
    return url_for(".partnership_shelf", partnership_id=partnership.id)


def _choice(enum_cls, value):
    return next((member for member in enum_cls if member.value == value), None)
