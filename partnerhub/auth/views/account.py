"""My account: name, time zone, password, logged-in devices."""

from __future__ import annotations

from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from partnerhub.auth import second_factor, services
from partnerhub.auth.forms import (
    ChangePasswordForm,
    DisableTwoFactorForm,
    ProfileForm,
    RecoveryCodesForm,
)
from partnerhub.auth.views import blueprint
from partnerhub.auth.views.common import _log_in, _log_out, _two_factor_required
from partnerhub.db import utcnow
from partnerhub.extensions import database
from partnerhub.web import apply


def _render_account(profile_form=None, password_form=None, disable_form=None, codes_form=None):
    if profile_form is None:
        profile_form = ProfileForm(obj=current_user, formdata=None)
    db = database.session
    return render_template(
        "auth/account.html",
        profile_form=profile_form,
        password_form=password_form or ChangePasswordForm(formdata=None),
        logins=services.login_sessions(db, current_user, utcnow()),
        this_login=services.token_digest(current_user.current_session_token),
        two_factor_on=second_factor.is_enabled(current_user),
        two_factor_required=_two_factor_required(current_user),
        recovery_codes_left=second_factor.recovery_codes_left(db, current_user),
        disable_form=disable_form or DisableTwoFactorForm(formdata=None),
        codes_form=codes_form or RecoveryCodesForm(formdata=None),
    )


@blueprint.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """My name, time zone, password and logged-in devices."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit() and apply(
        services.update_profile,
        database.session,
        current_user,
        form.name.data,
        form.timezone.data,
        done="Your account is saved.",
    ):
        return redirect(url_for("auth.account"))
    return _render_account(profile_form=form if request.method == "POST" else None)


@blueprint.route("/account/password", methods=["POST"])
@login_required
def change_password():
    """Change my password; every other device is logged out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        db = database.session
        me = current_user._get_current_object()
        remember = services.session_is_remembered(db, me.current_session_token)
        changed = apply(
            services.change_password,
            db,
            me,
            form.current_password.data,
            form.password.data,
            utcnow(),
            current_token=me.current_session_token,
            user_agent=request.user_agent.string,
            done="Your password is changed. Every other device was logged out.",
            at=form.current_password,
        )
        if changed:
            _log_in(me, changed.result, remember)
            return redirect(url_for("auth.account"))
    return _render_account(password_form=form)


@blueprint.route("/account/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    """End every login session of mine, this one included."""
    apply(services.end_other_sessions, database.session, current_user)
    _log_out()
    flash("You are logged out on every device.", "info")
    return redirect(url_for("auth.login"))
