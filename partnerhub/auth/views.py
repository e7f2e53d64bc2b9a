"""Logging in and out."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from partnerhub.auth import services
from partnerhub.auth.forms import LoginForm
from partnerhub.db import utcnow
from partnerhub.extensions import database, login_manager

blueprint = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "Log in to continue."
login_manager.login_message_category = "info"


@login_manager.user_loader
def _load_user(token: str):
    return services.session_user(database.session, token, utcnow())


def _safe_next(target: str | None) -> str:
    """Only follow `next` to a path on this site."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("partnerships.dashboard")


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("partnerships.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        db = database.session
        user = services.authenticate(db, form.email.data, form.password.data)
        if user is None:
            form.password.errors.append("That email and password do not match an active account.")
        else:
            token = services.start_session(
                db,
                user,
                utcnow(),
                remember=form.remember.data,
                user_agent=request.user_agent.string,
            )
            db.commit()
            session.clear()  # a fresh session on login: nothing carried over from before
            user.current_session_token = token
            login_user(user, remember=form.remember.data)
            flash(f"Welcome, {user.name}.", "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@blueprint.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log this browser out, server-side."""
    services.end_session(database.session, current_user.current_session_token)
    database.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))
