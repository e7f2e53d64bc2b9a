"""Logging in (with a second factor where it is on) and out."""

from __future__ import annotations

from flask import (
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

from partnerhub.auth import second_factor, services
from partnerhub.auth.forms import (
    LoginCodeForm,
    LoginForm,
)
from partnerhub.auth.models import User
from partnerhub.auth.views import blueprint
from partnerhub.auth.views.common import (
    PENDING_LOGIN,
    PENDING_USER,
    _account_key,
    _address_key,
    _code_limit,
    _log_in,
    _log_out,
    _login_limit,
    _safe_next,
)
from partnerhub.db import utcnow
from partnerhub.extensions import database
from partnerhub.web import apply


@blueprint.route("/login", methods=["GET", "POST"])
@_login_limit("LOGIN_FAILURES_PER_ACCOUNT", _account_key)
@_login_limit("LOGIN_FAILURES_PER_ADDRESS", _address_key)
def login():
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("partnerships.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        db = database.session
        user = services.authenticate(db, form.email.data, form.password.data)
        if user is None:
            g.login_failed = True
            form.password.errors.append("That email and password do not match an active account.")
        elif second_factor.is_enabled(user):
            return _await_code(user, form.remember.data)
        else:
            remember = form.remember.data
            started = apply(
                services.start_session,
                db,
                user,
                utcnow(),
                remember=remember,
                user_agent=request.user_agent.string,
            )
            _log_in(user, started.result, remember)
            flash(f"Welcome, {user.name}.", "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


def _await_code(user: User, remember: bool):
    """The password was right; remember, server-side, that this browser now owes a code."""
    raw = apply(
        second_factor.start_pending_login, database.session, user, utcnow(), remember=remember
    ).result
    session.clear()
    session[PENDING_LOGIN] = raw
    session[PENDING_USER] = user.id
    return redirect(url_for("auth.login_code", next=request.args.get("next")))


@blueprint.route("/login/code", methods=["GET", "POST"])
@_code_limit()
def login_code():
    """The second step of logging in: a code from the authenticator app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("partnerships.dashboard"))
    db = database.session
    pending = second_factor.find_pending_login(db, session.get(PENDING_LOGIN, ""), utcnow())
    if pending is None:
        session.pop(PENDING_LOGIN, None)
        session.pop(PENDING_USER, None)
        flash("That login has expired. Log in again with your password.", "info")
        return redirect(url_for("auth.login", next=request.args.get("next")))
    form = LoginCodeForm()
    if form.validate_on_submit():
        done = apply(
            second_factor.complete_login,
            db,
            pending,
            form.code.data,
            utcnow(),
            user_agent=request.user_agent.string,
        ).result
        if done is None:
            g.login_failed = True
            form.code.errors.append(second_factor.WRONG_CODE)
        else:
            _log_in(done.user, done.token, done.remember)
            flash(f"Welcome, {done.user.name}.", "success")
            if done.recovery_codes_left is not None:
                flash(_recovery_code_used(done.recovery_codes_left), "warning")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login_code.html", form=form)


def _recovery_code_used(left: int) -> str:
    count = f"{left} is left" if left == 1 else f"{left} are left"
    return (
        f"You used a recovery code; {count}. If your authenticator app is lost, make new "
        "codes on your account page."
    )


@blueprint.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log this browser out, server-side."""
    apply(services.end_session, database.session, current_user.current_session_token)
    _log_out()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))
