"""Forgotten passwords: asking for a reset link, and choosing a new password through it."""

from __future__ import annotations

from flask import (
    flash,
    redirect,
    render_template,
    url_for,
)

from partnerhub.auth import services
from partnerhub.auth.forms import (
    ForgotPasswordForm,
    ResetPasswordForm,
)
from partnerhub.auth.views import blueprint
from partnerhub.auth.views.common import _account_key, _address_key, _log_out, _reset_limit
from partnerhub.db import utcnow
from partnerhub.extensions import database
from partnerhub.notifications import deliver_soon
from partnerhub.web import apply


@blueprint.route("/forgot-password", methods=["GET", "POST"])
@_reset_limit("RESET_REQUESTS_PER_ACCOUNT", _account_key)
@_reset_limit("RESET_REQUESTS_PER_ADDRESS", _address_key)
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the email has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        apply(services.request_password_reset, database.session, form.email.data, utcnow())
        deliver_soon()
        flash(
            f"If {form.email.data} belongs to an active account, a link to set a new password "
            "is on its way. It works once, within an hour.",
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@blueprint.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through an emailed link."""
    db = database.session
    reset = services.find_password_reset(db, token, utcnow())
    if reset is None:
        return render_template("auth/reset_expired.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        apply(services.reset_password, db, token, form.password.data, utcnow())
        _log_out()
        flash("Your password is set and every device logged out. Log in with it now.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, user=reset.user)
