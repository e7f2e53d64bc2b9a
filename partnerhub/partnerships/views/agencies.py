"""The agencies at the table: seating one, naming its contacts, recording that it left."""

from __future__ import annotations

from flask import (
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user, login_required

from partnerhub import permissions
from partnerhub.db import utcnow
from partnerhub.extensions import database
from partnerhub.partnerships import (
    checks,  # noqa: F401  (registers the stage checklist items)
    services,
)
from partnerhub.partnerships.forms import (
    AgencyForm,
    ContactsForm,
)
from partnerhub.partnerships.models import Sector
from partnerhub.partnerships.views import blueprint
from partnerhub.partnerships.views.common import _change, _found
from partnerhub.web import apply, load_partnership


@blueprint.route("/partnerships/<int:partnership_id>/agencies")
@login_required
def agencies(partnership_id: int):
    """The agencies at the table, their sector, liaison and alternate; those who left."""
    partnership = load_partnership(partnership_id)
    now, former = services.agencies_now_and_former(database.session, partnership)
    return render_template(
        "partnerships/agencies.html", partnership=partnership, agencies=now, former=former
    )


@blueprint.route("/partnerships/<int:partnership_id>/agencies/new", methods=["GET", "POST"])
@login_required
def add_agency(partnership_id: int):
    """Seat an organization at the table: an existing one, or a new one with its sector."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    db = database.session
    form = AgencyForm(services.available_organizations(db, partnership))
    if form.validate_on_submit():
        new = services.NewOrganization(
            form.name.data or "", Sector(form.sector.data), form.sector_label.data or ""
        )
        added = apply(
            services.add_agency,
            db,
            current_user,
            partnership,
            utcnow(),
            organization_id=form.organization.data,
            new=new,
            at=form.name,
        )
        if added:
            agency, reused = added.result
            name = agency.organization.name
            if reused:
                flash(f"{name} was already known to PartnerHub; it is now at the table.", "info")
            else:
                flash(f"{name} is at the table. Name its liaison once its people join.", "success")
            return redirect(url_for(".agencies", partnership_id=partnership.id))
    return render_template("partnerships/agency_new.html", partnership=partnership, form=form)


@blueprint.route(
    "/partnerships/<int:partnership_id>/agencies/<int:agency_id>", methods=["GET", "POST"]
)
@login_required
def edit_agency(partnership_id: int, agency_id: int):
    """Name an agency's liaison and alternate from the people who represent it."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    agency = _found(services.get_agency, partnership, agency_id)
    members = services.agency_members(database.session, agency)
    form = ContactsForm(
        members, data={"liaison": agency.liaison_id or 0, "alternate": agency.alternate_id or 0}
    )
    if form.validate_on_submit() and _change(
        services.name_contacts,
        agency,
        form.liaison.data,
        form.alternate.data,
        utcnow(),
        done=f"Contacts of {agency.organization.name} saved.",
    ):
        return redirect(url_for(".agencies", partnership_id=partnership.id))
    return render_template(
        "partnerships/agency_edit.html",
        partnership=partnership,
        agency=agency,
        members=members,
        form=form,
    )


@blueprint.route(
    "/partnerships/<int:partnership_id>/agencies/<int:agency_id>/remove", methods=["POST"]
)
@login_required
def remove_agency(partnership_id: int, agency_id: int):
    """Record that an agency left the table."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    agency = _found(services.get_agency, partnership, agency_id)
    _change(
        services.remove_agency,
        agency,
        utcnow(),
        done=f"{agency.organization.name} has left the partnership.",
    )
    return redirect(url_for(".agencies", partnership_id=partnership.id))
