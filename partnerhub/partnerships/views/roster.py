"""The roster: who represents which agency, changes to it, sector absences, its CSV."""

from __future__ import annotations

from flask import (
    abort,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required

from partnerhub import permissions
from partnerhub.db import utcnow
from partnerhub.extensions import database
from partnerhub.partnerships import (
    checks,  # noqa: F401  (registers the stage checklist items)
    services,
)
from partnerhub.partnerships.forms import (
    AbsenceForm,
    RosterEntryForm,
)
from partnerhub.partnerships.models import CORE_SECTORS, Sector
from partnerhub.partnerships.views import blueprint
from partnerhub.partnerships.views.common import _change, _entry, _found
from partnerhub.web import csv_download, load_partnership


@blueprint.route("/partnerships/<int:partnership_id>/roster")
@login_required
def roster(partnership_id: int):
    """People grouped by agency, sector coverage, open invitations, and who left."""
    partnership = load_partnership(partnership_id)
    db = database.session
    agencies = services.agency_lines(db, partnership)
    members = services.roster_lines(db, partnership)
    invitations = []
    if permissions.can(g.membership, permissions.MANAGE):
        invitations = services.pending_invitations(db, partnership)
    return render_template(
        "partnerships/roster.html",
        partnership=partnership,
        members=members,
        seating=services.seating(members, agencies),
        coverage=services.sector_coverage(db, partnership, agencies),
        invitations=invitations,
        now=utcnow(),
    )


@blueprint.route("/partnerships/<int:partnership_id>/roster.csv")
@login_required
def roster_csv(partnership_id: int):
    """The roster as a CSV file."""
    partnership = load_partnership(partnership_id)
    db = database.session
    text = services.roster_csv(
        services.roster_lines(db, partnership),
        services.agency_lines(db, partnership),
        partnership.timezone,
    )
    return csv_download(text, f"roster-{partnership.id}.csv")


@blueprint.route(
    "/partnerships/<int:partnership_id>/roster/<int:membership_id>", methods=["GET", "POST"]
)
@login_required
def edit_member(partnership_id: int, membership_id: int):
    """Change a person's role, agency, position and flags."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    membership = _found(services.get_membership, partnership, membership_id)
    agencies = services.active_agencies(database.session, partnership)
    data = None
    if request.method == "GET":
        data = {
            "role": membership.role.value,
            "agency": membership.partner_agency_id or 0,
            "position": membership.position,
            "is_legal_advisor": membership.is_legal_advisor,
            "is_signatory": membership.is_signatory,
        }
    form = RosterEntryForm(agencies, data=data)
    if form.validate_on_submit() and _change(
        services.update_membership,
        membership,
        _entry(form),
        utcnow(),
        done=f"{membership.user.name} is updated.",
    ):
        return redirect(url_for(".roster", partnership_id=partnership.id))
    return render_template(
        "partnerships/member_edit.html", partnership=partnership, membership=membership, form=form
    )


@blueprint.route(
    "/partnerships/<int:partnership_id>/roster/<int:membership_id>/remove", methods=["POST"]
)
@login_required
def remove_member(partnership_id: int, membership_id: int):
    """Take a person off the roster (their history stays)."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    membership = _found(services.get_membership, partnership, membership_id)
    _change(
        services.remove_membership,
        membership,
        utcnow(),
        done=f"{membership.user.name} is off the roster.",
    )
    return redirect(url_for(".roster", partnership_id=partnership.id))


@blueprint.route(
    "/partnerships/<int:partnership_id>/sectors/<sector>/absence", methods=["GET", "POST"]
)
@login_required
def record_absence(partnership_id: int, sector: str):
    """Record why a core sector has no representative."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    try:
        core = Sector(sector)
    except ValueError:
        abort(404)
    if core not in CORE_SECTORS:
        abort(404)
    absence = services.sector_absence(database.session, partnership, core)
    form = AbsenceForm(data={"reason": absence.reason if absence else ""})
    if request.method == "POST":
        form = AbsenceForm()
    if form.validate_on_submit() and _change(
        services.record_absence,
        partnership,
        core,
        form.reason.data or "",
        utcnow(),
        done=f"Saved for {core.label}.",
    ):
        return redirect(url_for(".roster", partnership_id=partnership.id))
    return render_template(
        "partnerships/absence.html", partnership=partnership, sector=core, form=form
    )
