"""Invitations: sending, resending and revoking them, and the link that accepts one."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user

from partnerhub import permissions
from partnerhub.auth import services as accounts
from partnerhub.db import utcnow
from partnerhub.errors import DomainError, NotFound
from partnerhub.extensions import database
from partnerhub.notifications import deliver_soon
from partnerhub.partnerships import (
    checks,  # noqa: F401  (registers the stage checklist items)
    services,
)
from partnerhub.partnerships.forms import (
    AcceptForm,
    InvitationForm,
    NewAccountForm,
)
from partnerhub.partnerships.views import blueprint
from partnerhub.partnerships.views.common import _change, _entry, _found, _invitation_link
from partnerhub.web import apply, load_partnership


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
