"""Partnerships: the dashboard, the overview, agencies, roster, invitations and stages."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user
from markupsafe import Markup

from partnerhub import permissions
from partnerhub.audit.services import partnership_events
from partnerhub.auth import services as accounts
from partnerhub.auth.views import admin_required
from partnerhub.db import utcnow
from partnerhub.errors import Conflict, DomainError, NotFound
from partnerhub.extensions import database
from partnerhub.links import external_url
from partnerhub.notifications import deliver_soon
from partnerhub.partnerships import (
    checks,  # noqa: F401  (registers the stage checklist items)
    services,
)
from partnerhub.partnerships.forms import (
    AbsenceForm,
    AcceptForm,
    AgencyForm,
    ContactsForm,
    InvitationForm,
    NewAccountForm,
    PartnershipForm,
    RosterEntryForm,
    StageForm,
    TickForm,
)
from partnerhub.partnerships.models import CORE_SECTORS, Role, Sector, Stage
from partnerhub.partnerships.registry import add_tab, registry
from partnerhub.web import Outcome, apply, load_partnership

blueprint = Blueprint("partnerships", __name__)

add_tab("Overview", "partnerships.overview", 0)
add_tab("Agencies", "partnerships.agencies", 10)
add_tab("Roster", "partnerships.roster", 20)
add_tab("Stages", "partnerships.stages", 30)


def _found(fn, *args):
    """Run a lookup service; an object outside this partnership is a 404."""
    try:
        return fn(database.session, *args)
    except NotFound:
        abort(404)


def _change(action, *args, done) -> Outcome:
    """A facilitator's change through one service: `action(session, actor, *args)`."""
    return apply(action, database.session, current_user, *args, done=done)


def _today(partnership):
    return services.local_today(partnership, utcnow())


def _invitation_link(raw_token: str) -> str:
    return external_url("partnerships.accept_invitation", token=raw_token)


# --- dashboard and partnership ------------------------------------------------------------


@blueprint.route("/")
@login_required
def dashboard():
    """The partnerships I belong to, with their stage, my role and what needs attention."""
    rows = services.dashboard(database.session, current_user, utcnow().date())
    return render_template("partnerships/dashboard.html", rows=rows)


def _details(form: PartnershipForm) -> services.PartnershipDetails:
    return services.PartnershipDetails(
        name=form.name.data,
        community=form.community.data,
        purpose=form.purpose.data or "",
        timezone=form.timezone.data,
        meeting_cadence=form.meeting_cadence.data or "",
    )


def _save_details(form: PartnershipForm, action, *args, done) -> Outcome:
    """Call a partnership service with the form's details; a taken name shows at the name,
    any other refusal at the time zone."""
    return apply(
        action,
        database.session,
        current_user,
        *args,
        _details(form),
        utcnow(),
        done=done,
        at={Conflict: form.name, DomainError: form.timezone},
    )


@blueprint.route("/partnerships/new", methods=["GET", "POST"])
@login_required
def new_partnership():
    """Start a partnership; its creator becomes its facilitator."""
    form = PartnershipForm()
    created = form.validate_on_submit() and _save_details(
        form,
        services.create_partnership,
        done=lambda partnership: f"{partnership.name} is created. Next, add its agencies.",
    )
    if created:
        return redirect(url_for(".overview", partnership_id=created.result.id))
    return render_template("partnerships/edit.html", form=form, partnership=None)


@blueprint.route("/partnerships/<int:partnership_id>")
@login_required
def overview(partnership_id: int):
    """A partnership at a glance: stage, purpose, checklist, panels, recent activity."""
    partnership = load_partnership(partnership_id)
    today = _today(partnership)
    db = database.session
    panels = [_render_panel(p, db, partnership, today) for p in registry.panels]
    activity = []
    if permissions.can(g.membership, permissions.MANAGE):
        activity = partnership_events(db, partnership.id, limit=8)
    return render_template(
        "partnerships/overview.html",
        partnership=partnership,
        checklist=services.checklist(db, partnership, today),
        panels=panels,
        activity=activity,
    )


def _render_panel(registered, db, partnership, today) -> Markup:
    """A panel's template, given its loader's values both by name and as `panel`."""
    values = registered.load(db, partnership, today)
    context = {"partnership": partnership, "panel": values, **values}
    return Markup(render_template(registered.template, **context))


@blueprint.route("/partnerships/<int:partnership_id>/edit", methods=["GET", "POST"])
@login_required
def edit_partnership(partnership_id: int):
    """Change the partnership's name, community, purpose, time zone and cadence."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    form = PartnershipForm(obj=partnership)
    if form.validate_on_submit() and _save_details(
        form, services.update_partnership, partnership, done="The partnership is updated."
    ):
        return redirect(url_for(".overview", partnership_id=partnership.id))
    return render_template("partnerships/edit.html", form=form, partnership=partnership)


# --- agencies -----------------------------------------------------------------------------


@blueprint.route("/partnerships/<int:partnership_id>/agencies")
@login_required
def agencies(partnership_id: int):
    """The agencies at the table, their sector, liaison and alternate; those who left."""
    partnership = load_partnership(partnership_id)
    db = database.session
    return render_template(
        "partnerships/agencies.html",
        partnership=partnership,
        agencies=services.active_agencies(db, partnership),
        former=services.former_agencies(db, partnership),
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


# --- roster -------------------------------------------------------------------------------


@blueprint.route("/partnerships/<int:partnership_id>/roster")
@login_required
def roster(partnership_id: int):
    """People grouped by agency, sector coverage, open invitations, and who left."""
    partnership = load_partnership(partnership_id)
    db = database.session
    agencies = services.active_agencies(db, partnership)
    members = services.roster(db, partnership)
    invitations = []
    if permissions.can(g.membership, permissions.MANAGE):
        invitations = services.pending_invitations(db, partnership)
    return render_template(
        "partnerships/roster.html",
        partnership=partnership,
        agencies=agencies,
        members=members,
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
        services.roster(db, partnership),
        services.active_agencies(db, partnership),
        partnership.timezone,
    )
    filename = f"roster-{partnership.id}.csv"
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _entry(form: RosterEntryForm) -> services.RosterEntry:
    return services.RosterEntry(
        role=Role(form.role.data),
        partner_agency_id=form.agency.data or None,
        position=form.position.data or "",
        is_legal_advisor=form.is_legal_advisor.data,
        is_signatory=form.is_signatory.data,
    )


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
    coverage = next(
        c for c in services.sector_coverage(database.session, partnership) if c.sector is core
    )
    form = AbsenceForm(data={"reason": coverage.absence.reason if coverage.absence else ""})
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


# --- invitations --------------------------------------------------------------------------


@blueprint.route("/partnerships/<int:partnership_id>/invitations/new", methods=["GET", "POST"])
@login_required
def invite(partnership_id: int):
    """Invite a person by email with their role, agency, position and flags."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    db = database.session
    form = InvitationForm(services.active_agencies(db, partnership))
    if form.validate_on_submit():
        invited = apply(
            services.invite,
            db,
            current_user,
            partnership,
            form.email.data,
            form.name.data,
            _entry(form),
            _invitation_link,
            utcnow(),
            done=lambda message: f"Invitation sent to {message.recipient}.",
            at=form.email,
        )
        if invited:
            deliver_soon()
            return redirect(url_for(".roster", partnership_id=partnership.id))
    return render_template("partnerships/invite.html", partnership=partnership, form=form)


@blueprint.route(
    "/partnerships/<int:partnership_id>/invitations/<int:invitation_id>/resend",
    methods=["POST"],
)
@login_required
def resend_invitation(partnership_id: int, invitation_id: int):
    """Send a fresh link; the old one stops working."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    invitation = _found(services.get_invitation, partnership, invitation_id)
    resent = _change(
        services.resend_invitation,
        invitation,
        _invitation_link,
        utcnow(),
        done=f"A new link was sent to {invitation.email}.",
    )
    if resent:
        deliver_soon()
    return redirect(url_for(".roster", partnership_id=partnership.id))


@blueprint.route(
    "/partnerships/<int:partnership_id>/invitations/<int:invitation_id>/revoke",
    methods=["POST"],
)
@login_required
def revoke_invitation(partnership_id: int, invitation_id: int):
    """Make an invitation's link stop working."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    invitation = _found(services.get_invitation, partnership, invitation_id)
    _change(
        services.revoke_invitation,
        invitation,
        utcnow(),
        done=f"The invitation to {invitation.email} is revoked.",
    )
    return redirect(url_for(".roster", partnership_id=partnership.id))


@blueprint.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """The link in the invitation email: join with a new account, or accept as yourself."""
    db = database.session
    try:
        invitation = services.invitation_for_token(db, token, utcnow())
    except NotFound:
        abort(404)
    except DomainError as error:
        return render_template("partnerships/invitation_closed.html", reason=str(error)), 410
    existing = accounts.find_user(db, invitation.email)
    if existing is None:
        return _join_with_new_account(invitation)
    form = AcceptForm()
    signed_in_as_invitee = current_user.is_authenticated and current_user.id == existing.id
    if (
        signed_in_as_invitee
        and form.validate_on_submit()
        and apply(
            services.accept_invitation,
            db,
            invitation,
            current_user,
            utcnow(),
            done=f"Welcome to {invitation.partnership.name}.",
        )
    ):
        return redirect(url_for(".overview", partnership_id=invitation.partnership_id))
    return render_template(
        "partnerships/invitation_accept.html",
        invitation=invitation,
        form=form,
        signed_in_as_invitee=signed_in_as_invitee,
    )


def _join_with_new_account(invitation):
    form = NewAccountForm(data=None if request.method == "POST" else {"name": invitation.name})
    joined = form.validate_on_submit() and apply(
        _join, invitation, form.name.data, form.password.data, utcnow()
    )
    if joined:
        user, token = joined.result
        session.clear()  # a fresh session on login: nothing carried over from before
        user.current_session_token = token
        login_user(user)
        flash(f"Welcome to {invitation.partnership.name}, {user.name}.", "success")
        return redirect(url_for(".overview", partnership_id=invitation.partnership_id))
    return render_template("partnerships/invitation_join.html", invitation=invitation, form=form)


def _join(invitation, name: str, password: str, now):
    """Create the invitee's account on the roster and its first login session."""
    db = database.session
    user = services.accept_as_new_user(db, invitation, name, password, now)
    token = accounts.start_session(
        db, user, now, remember=False, user_agent=request.user_agent.string
    )
    return user, token


# --- stages -------------------------------------------------------------------------------


@blueprint.route("/partnerships/<int:partnership_id>/stages")
@login_required
def stages(partnership_id: int):
    """The current stage's checklist, advancing or going back, and the history of moves."""
    partnership = load_partnership(partnership_id)
    db = database.session
    today = _today(partnership)
    later = [s for s in Stage if s.position > partnership.stage.position]
    return render_template(
        "partnerships/stages.html",
        partnership=partnership,
        checklist=services.checklist(db, partnership, today),
        upcoming=[(s, services.checklist(db, partnership, today, s)) for s in later],
        transitions=services.transitions(db, partnership),
        tick_form=TickForm(),
        stage_form=StageForm(),
    )


@blueprint.route("/partnerships/<int:partnership_id>/checklist/<key>/tick", methods=["POST"])
@login_required
def tick(partnership_id: int, key: str):
    """Tick a hand-checked item."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    form = TickForm()
    if form.validate_on_submit():
        _change(services.tick, partnership, key, form.note.data or "", utcnow(), done=None)
    for error in form.note.errors:
        flash(f"The note was not saved: {error}", "error")
    return redirect(url_for(".stages", partnership_id=partnership.id))


@blueprint.route("/partnerships/<int:partnership_id>/checklist/<key>/untick", methods=["POST"])
@login_required
def untick(partnership_id: int, key: str):
    """Take a tick back."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    _change(services.untick, partnership, key, utcnow(), done=None)
    return redirect(url_for(".stages", partnership_id=partnership.id))


@blueprint.route("/partnerships/<int:partnership_id>/stage/advance", methods=["POST"])
@login_required
def advance(partnership_id: int):
    """Move to the next stage (an override needs a reason)."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    form = StageForm()
    if form.validate_on_submit():
        _change(
            services.advance,
            partnership,
            form.reason.data or "",
            utcnow(),
            done=lambda _: f"The partnership is now in the {partnership.stage.label} stage.",
        )
    return redirect(url_for(".stages", partnership_id=partnership.id))


@blueprint.route("/partnerships/<int:partnership_id>/stage/back", methods=["POST"])
@login_required
def go_back(partnership_id: int):
    """Return to the previous stage, with a reason."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    form = StageForm()
    if form.validate_on_submit():
        _change(
            services.go_back,
            partnership,
            form.reason.data or "",
            utcnow(),
            done=lambda _: f"The partnership is back in the {partnership.stage.label} stage.",
        )
    return redirect(url_for(".stages", partnership_id=partnership.id))


# --- the shared directory of organizations (site admins) ------------------------------------


@blueprint.route("/admin/organizations")
@admin_required
def organizations():
    """Every organization: private to the partnership that typed it, or shared with all."""
    entries = services.organization_directory(database.session)
    return render_template("partnerships/organizations.html", entries=entries)


@blueprint.route("/admin/organizations/<int:organization_id>/share", methods=["POST"])
@admin_required
def share_organization(organization_id: int):
    """Put an organization in the shared directory, for every partnership to seat."""
    return _set_shared(organization_id, True, "{name} is in the shared directory.")


@blueprint.route("/admin/organizations/<int:organization_id>/unshare", methods=["POST"])
@admin_required
def unshare_organization(organization_id: int):
    """Take an organization out of the shared directory; partnerships keep what they seated."""
    return _set_shared(organization_id, False, "{name} is no longer in the shared directory.")


def _set_shared(organization_id: int, shared: bool, done: str):
    apply(
        services.share_organization,
        database.session,
        current_user,
        organization_id,
        utcnow(),
        shared=shared,
        done=lambda organization: done.format(name=organization.name),
    )
    return redirect(url_for(".organizations"))


@blueprint.app_context_processor
def _partnership_tabs():
    return {"partnership_tabs": registry.tabs}
