"""Partnerships: the dashboard, the overview, agencies, roster, invitations and stages."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
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
from partnerhub.db import utcnow
from partnerhub.errors import Conflict, DomainError, NotFound
from partnerhub.extensions import database
from partnerhub.notifications.delivery import deliver_now
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
from partnerhub.web import load_partnership

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


def _commit_or_flash(action, *args) -> bool:
    """Run one service and commit; a broken rule is flashed and nothing is saved."""
    try:
        action(database.session, current_user, *args)
    except DomainError as error:
        database.session.rollback()
        flash(str(error), "danger")
        return False
    database.session.commit()
    return True


def _today(partnership):
    return services.local_today(partnership, utcnow())


def _send_now(message) -> None:
    """A person is waiting for their invitation: deliver it right after the commit."""
    deliver_now(database.session, [message.id], current_app.config, utcnow())


def _invitation_link(raw_token: str) -> str:
    path = url_for("partnerships.accept_invitation", token=raw_token)
    return current_app.config["BASE_URL"] + path


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


def _save_details(form: PartnershipForm, action, *args) -> bool:
    """Call a partnership service with the form's details; a taken name shows at the field."""
    try:
        result = action(database.session, current_user, *args, _details(form), utcnow())
    except Conflict as error:
        database.session.rollback()
        form.name.errors.append(str(error))
        return False
    except DomainError as error:
        database.session.rollback()
        form.timezone.errors.append(str(error))
        return False
    database.session.commit()
    g.saved = result
    return True


@blueprint.route("/partnerships/new", methods=["GET", "POST"])
@login_required
def new_partnership():
    """Start a partnership; its creator becomes its facilitator."""
    form = PartnershipForm()
    if form.validate_on_submit() and _save_details(form, services.create_partnership):
        flash(f"{g.saved.name} is created. Next, add its agencies.", "success")
        return redirect(url_for(".overview", partnership_id=g.saved.id))
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
    if form.validate_on_submit() and _save_details(form, services.update_partnership, partnership):
        flash("The partnership is updated.", "success")
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
        try:
            agency, reused = services.add_agency(
                db,
                current_user,
                partnership,
                utcnow(),
                organization_id=form.organization.data,
                new=new,
            )
        except DomainError as error:
            db.rollback()
            form.name.errors.append(str(error))
        else:
            db.commit()
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
    if form.validate_on_submit() and _commit_or_flash(
        services.name_contacts, agency, form.liaison.data, form.alternate.data, utcnow()
    ):
        flash(f"Contacts of {agency.organization.name} saved.", "success")
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
    if _commit_or_flash(services.remove_agency, agency, utcnow()):
        flash(f"{agency.organization.name} has left the partnership.", "success")
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
    if form.validate_on_submit() and _commit_or_flash(
        services.update_membership, membership, _entry(form), utcnow()
    ):
        flash(f"{membership.user.name} is updated.", "success")
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
    if _commit_or_flash(services.remove_membership, membership, utcnow()):
        flash(f"{membership.user.name} is off the roster.", "success")
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
    if form.validate_on_submit() and _commit_or_flash(
        services.record_absence, partnership, core, form.reason.data or "", utcnow()
    ):
        flash(f"Saved for {core.label}.", "success")
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
        try:
            message = services.invite(
                db,
                current_user,
                partnership,
                form.email.data,
                form.name.data,
                _entry(form),
                _invitation_link,
                utcnow(),
            )
        except DomainError as error:
            db.rollback()
            form.email.errors.append(str(error))
        else:
            db.commit()
            _send_now(message)
            flash(f"Invitation sent to {message.recipient}.", "success")
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
    db = database.session
    try:
        message = services.resend_invitation(
            db, current_user, invitation, _invitation_link, utcnow()
        )
    except DomainError as error:
        db.rollback()
        flash(str(error), "danger")
    else:
        db.commit()
        _send_now(message)
        flash(f"A new link was sent to {invitation.email}.", "success")
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
    if _commit_or_flash(services.revoke_invitation, invitation, utcnow()):
        flash(f"The invitation to {invitation.email} is revoked.", "success")
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
    if signed_in_as_invitee and form.validate_on_submit():
        services.accept_invitation(db, invitation, current_user, utcnow())
        db.commit()
        flash(f"Welcome to {invitation.partnership.name}.", "success")
        return redirect(url_for(".overview", partnership_id=invitation.partnership_id))
    return render_template(
        "partnerships/invitation_accept.html",
        invitation=invitation,
        form=form,
        signed_in_as_invitee=signed_in_as_invitee,
    )


def _join_with_new_account(invitation):
    form = NewAccountForm(data=None if request.method == "POST" else {"name": invitation.name})
    if form.validate_on_submit():
        db = database.session
        now = utcnow()
        user = services.accept_as_new_user(db, invitation, form.name.data, form.password.data, now)
        token = accounts.start_session(
            db, user, now, remember=False, user_agent=request.user_agent.string
        )
        db.commit()
        session.clear()  # a fresh session on login: nothing carried over from before
        user.current_session_token = token
        login_user(user)
        flash(f"Welcome to {invitation.partnership.name}, {user.name}.", "success")
        return redirect(url_for(".overview", partnership_id=invitation.partnership_id))
    return render_template("partnerships/invitation_join.html", invitation=invitation, form=form)


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
        try:
            services.tick(
                database.session, current_user, partnership, key, form.note.data or "", utcnow()
            )
        except NotFound:
            abort(404)
        database.session.commit()
    for error in form.note.errors:
        flash(f"The note was not saved: {error}", "error")
    return redirect(url_for(".stages", partnership_id=partnership.id))


@blueprint.route("/partnerships/<int:partnership_id>/checklist/<key>/untick", methods=["POST"])
@login_required
def untick(partnership_id: int, key: str):
    """Take a tick back."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    try:
        services.untick(database.session, current_user, partnership, key, utcnow())
    except NotFound:
        abort(404)
    database.session.commit()
    return redirect(url_for(".stages", partnership_id=partnership.id))


@blueprint.route("/partnerships/<int:partnership_id>/stage/advance", methods=["POST"])
@login_required
def advance(partnership_id: int):
    """Move to the next stage (an override needs a reason)."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    form = StageForm()
    if form.validate_on_submit() and _commit_or_flash(
        services.advance, partnership, form.reason.data or "", utcnow()
    ):
        flash(f"The partnership is now in the {partnership.stage.label} stage.", "success")
    return redirect(url_for(".stages", partnership_id=partnership.id))


@blueprint.route("/partnerships/<int:partnership_id>/stage/back", methods=["POST"])
@login_required
def go_back(partnership_id: int):
    """Return to the previous stage, with a reason."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    form = StageForm()
    if form.validate_on_submit() and _commit_or_flash(
        services.go_back, partnership, form.reason.data or "", utcnow()
    ):
        flash(f"The partnership is back in the {partnership.stage.label} stage.", "success")
    return redirect(url_for(".stages", partnership_id=partnership.id))


@blueprint.app_context_processor
def _partnership_tabs():
    return {"partnership_tabs": registry.tabs}
