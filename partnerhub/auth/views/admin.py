"""Site administration: every account, creating one, deactivating and admin rights."""

from __future__ import annotations

from functools import partial

from flask import (
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user

from partnerhub.auth import services
from partnerhub.auth.forms import (
    UserForm,
)
from partnerhub.auth.views import blueprint
from partnerhub.auth.views.common import _reset_link, _user_or_404, admin_required
from partnerhub.db import utcnow
from partnerhub.extensions import database
from partnerhub.notifications import deliver_soon
from partnerhub.web import apply


@blueprint.route("/admin/users")
@admin_required
def users():
    """Every account, with its state and the actions on it."""
    return render_template("auth/users.html", users=services.all_users(database.session))


@blueprint.route("/admin/users/new", methods=["GET", "POST"])
@admin_required
def new_user():
    """Create an account; the person gets an email to choose a password."""
    form = UserForm()
    if form.validate_on_submit():
        created = apply(
            services.create_user_with_welcome,
            database.session,
            current_user,
            form.email.data,
            form.name.data,
            utcnow(),
            _reset_link,
            admin=form.admin.data,
            timezone=form.timezone.data,
            done=lambda made: f"Created {made[0].email} and emailed a link to choose a password.",
            at=form.email,
        )
        if created:
            deliver_soon()
            return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form)


def _change_user(user_id: int, change, done: str):
    """Apply an admin change to one account, then go back to the list."""
    user = _user_or_404(user_id)
    apply(
        change, database.session, current_user, user, utcnow(), done=done.format(email=user.email)
    )
    return redirect(url_for("auth.users"))


@blueprint.route("/admin/users/<int:user_id>/deactivate", methods=["POST"])
@admin_required
def deactivate_user(user_id: int):
    """Stop an account from logging in, and log it out everywhere."""
    change = partial(services.set_active, active=False)
    return _change_user(user_id, change, "{email} is deactivated and logged out everywhere.")


@blueprint.route("/admin/users/<int:user_id>/reactivate", methods=["POST"])
@admin_required
def reactivate_user(user_id: int):
    """Let a deactivated account log in again."""
    return _change_user(user_id, partial(services.set_active, active=True), "{email} can log in.")


@blueprint.route("/admin/users/<int:user_id>/grant-admin", methods=["POST"])
@admin_required
def grant_admin(user_id: int):
    """Make an account a site administrator."""
    change = partial(services.set_admin, admin=True)
    return _change_user(user_id, change, "{email} is now a site administrator.")


@blueprint.route("/admin/users/<int:user_id>/revoke-admin", methods=["POST"])
@admin_required
def revoke_admin(user_id: int):
    """Take site administration away from an account."""
    change = partial(services.set_admin, admin=False)
    return _change_user(user_id, change, "{email} is no longer a site administrator.")
