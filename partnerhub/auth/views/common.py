"""What the account pages share: throttling of failed attempts, logging a browser in and
out, safe redirects, admin-only pages."""

from __future__ import annotations

import functools
import hashlib
from urllib.parse import urlsplit

from flask import (
    abort,
    after_this_request,
    current_app,
    g,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from partnerhub.auth import services
from partnerhub.auth.models import User
from partnerhub.auth.views import blueprint
from partnerhub.extensions import database, limiter
from partnerhub.links import external_url

THROTTLED = (
    "Too many failed attempts for this account or from your network. Wait 15 minutes and try "
    "again, or reset your password with the link on the login page."
)

CODE_THROTTLED = (
    "Too many wrong codes for this account. Wait 15 minutes, then log in again; one of your "
    "recovery codes works in place of a code from your app."
)
# The browser's half-finished login: the pending login's secret and whose it is (for throttling).
PENDING_LOGIN = "pending_login"
PENDING_USER = "pending_user"


# --- throttling ---


def _account_key() -> str:
    """The account a login or reset request names; hashed, so any input makes a short key."""
    email = services.normalize_email(request.form.get("email", ""))
    return "account:" + hashlib.sha256(email.encode()).hexdigest()


def _address_key() -> str:
    return "address:" + (request.remote_addr or "unknown")


def _failed(_response) -> bool:
    """Only failed logins count against the limits, so people who get it right are not slowed."""
    return bool(g.get("login_failed"))


def _login_limit(config_key: str, key_func):
    return limiter.limit(
        lambda: current_app.config[config_key],
        key_func=key_func,
        methods=["POST"],
        deduct_when=_failed,
        error_message=THROTTLED,
    )


def _pending_account_key() -> str:
    """The account whose password opened this browser's pending login: codes are counted per
    account, however many browsers or addresses try them."""
    return f"second-factor:user:{session.get(PENDING_USER)}"


def _own_account_key() -> str:
    return f"password-check:user:{getattr(current_user, 'id', None)}"


def _code_limit():
    return limiter.limit(
        lambda: current_app.config["LOGIN_CODE_FAILURES_PER_ACCOUNT"],
        key_func=_pending_account_key,
        methods=["POST"],
        deduct_when=_failed,
        error_message=CODE_THROTTLED,
    )


def _reset_limit(config_key: str, key_func):
    return limiter.limit(
        lambda: current_app.config[config_key],
        key_func=key_func,
        methods=["POST"],
        error_message="Too many reset requests. Wait an hour, then try again.",
    )


@blueprint.errorhandler(429)
def _throttled(error):
    message = error.description if isinstance(error.description, str) else THROTTLED
    title = "Too many attempts"
    return render_template("errors/error.html", code=429, title=title, message=message), 429


def admin_required(view):
    """Only site administrators; others get 403, anonymous visitors the login page."""

    @functools.wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


# --- helpers ---


def _safe_next(target: str | None) -> str:
    """Only follow `next` to a path on this site (never //host, /\\host or a scheme)."""
    if (
        target
        and target.startswith("/")
        and target.isprintable()
        and " " not in target
        and "\\" not in target
        and not target.startswith("//")
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("partnerships.dashboard")


def _reset_link(token: str) -> str:
    return external_url("auth.reset_password", token=token)


def _log_in(user: User, token: str, remember: bool) -> None:
    """Bind this browser to a login session, starting a fresh cookie session (no fixation)."""
    session.clear()
    user.current_session_token = token
    login_user(user, remember=remember)


def _log_out() -> None:
    """Forget the login in this browser: the cookie session and the remember cookie.

    Flask-Login's own clearing is lost with the cleared session and would drop the Secure
    attribute, without which a browser ignores the deletion of a `__Host-` cookie.
    """
    logout_user()
    session.clear()
    config = current_app.config
    if config["REMEMBER_COOKIE_NAME"] in request.cookies:

        @after_this_request
        def _forget(response):
            response.delete_cookie(
                config["REMEMBER_COOKIE_NAME"],
                path=config["REMEMBER_COOKIE_PATH"],
                domain=config["REMEMBER_COOKIE_DOMAIN"],
                secure=config["REMEMBER_COOKIE_SECURE"],
                httponly=True,
                samesite=config["REMEMBER_COOKIE_SAMESITE"],
            )
            return response


def _user_or_404(user_id: int) -> User:
    return database.session.get(User, user_id) or abort(404)


def _two_factor_required(user: User) -> bool:
    return user.is_admin and current_app.config["REQUIRE_2FA_FOR_ADMINS"]
