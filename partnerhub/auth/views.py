"""Accounts: logging in and out, password resets, the account page and user administration."""

from __future__ import annotations

import functools
import hashlib
from functools import partial
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    after_this_request,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from partnerhub.auth import second_factor, services
from partnerhub.auth.forms import (
    ChangePasswordForm,
    DisableTwoFactorForm,
    EnrolTwoFactorForm,
    ForgotPasswordForm,
    LoginCodeForm,
    LoginForm,
    ProfileForm,
    RecoveryCodesForm,
    ResetPasswordForm,
    UserForm,
)
from partnerhub.auth.models import User
from partnerhub.db import utcnow
from partnerhub.extensions import database, limiter, login_manager
from partnerhub.links import external_url
from partnerhub.notifications import deliver_soon
from partnerhub.web import apply

blueprint = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "Log in to continue."
login_manager.login_message_category = "info"

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


@login_manager.user_loader
def _load_user(token: str):
    return services.session_user(database.session, token, utcnow())


# --- throttling ----------------------------------------------------------------------


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


# --- helpers -------------------------------------------------------------------------


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


# --- logging in and out --------------------------------------------------------------


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


# --- password reset ------------------------------------------------------------------


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


# --- my account ----------------------------------------------------------------------


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


# --- two-factor authentication -------------------------------------------------------

# Where an admin who still has to turn on two-factor authentication may go meanwhile.
_OPEN_BEFORE_ENROLMENT = {"auth.enrol_two_factor", "auth.logout", "static", "bootstrap.static"}


def _two_factor_required(user: User) -> bool:
    return user.is_admin and current_app.config["REQUIRE_2FA_FOR_ADMINS"]


@blueprint.before_app_request
def _admins_enrol_first():
    """A site admin without a second factor, where one is required, does nothing else first."""
    if request.endpoint in _OPEN_BEFORE_ENROLMENT or request.blueprint == "health":
        return None
    if (
        current_user.is_authenticated
        and _two_factor_required(current_user)
        and not second_factor.is_enabled(current_user)
    ):
        return redirect(url_for("auth.enrol_two_factor"))
    return None


def _password_check_limit():
    """Failed password confirmations count like failed logins, per account, on every page
    that asks for one."""
    return limiter.shared_limit(
        lambda: current_app.config["LOGIN_FAILURES_PER_ACCOUNT"],
        scope="password-check",
        key_func=_own_account_key,
        methods=["POST"],
        deduct_when=_failed,
        error_message=THROTTLED,
    )


def _not_stored(html: str):
    """A page showing secrets: browsers and proxies must not keep a copy."""
    response = current_app.make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


def _show_recovery_codes(codes: list[str], message: str):
    return _not_stored(render_template("auth/recovery_codes.html", codes=codes, message=message))


@blueprint.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def enrol_two_factor():
    """Turn on two-factor authentication: scan the QR code, confirm a code, keep the codes."""
    db = database.session
    me = current_user._get_current_object()
    if second_factor.is_enabled(me):
        flash("Two-factor authentication is already on.", "info")
        return redirect(url_for("auth.account"))
    if request.method == "GET" or not me.totp_secret:
        apply(second_factor.begin_enrolment, db, me)  # each showing of the page, a new secret
    secret, uri = me.totp_secret, second_factor.provisioning_uri(me)
    form = EnrolTwoFactorForm()
    if form.validate_on_submit():
        confirmed = apply(
            second_factor.confirm_enrolment,
            db,
            me,
            form.code.data,
            utcnow(),
            keep_token=me.current_session_token,
            at=form.code,
        )
        if confirmed:
            return _show_recovery_codes(
                confirmed.result,
                "Two-factor authentication is on. Every other device was logged out.",
            )
    page = render_template(
        "auth/two_factor_enrol.html",
        form=form,
        secret=second_factor.grouped(secret),
        qr_code=Markup(second_factor.qr_code_svg(uri)),  # segno's own markup, no user text
        required=_two_factor_required(me),
    )
    return _not_stored(page)


def _wrong_password(outcome) -> bool:
    """True (and the failure counted for throttling) when the refusal was a wrong password."""
    if isinstance(outcome.refusal, second_factor.WrongPassword):
        g.login_failed = True
        return True
    return False


@blueprint.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
@_password_check_limit()
def regenerate_recovery_codes():
    """Replace my recovery codes, knowing my password; the new ones are shown once."""
    form = RecoveryCodesForm()
    if form.validate_on_submit():
        made = apply(
            second_factor.regenerate_recovery_codes,
            database.session,
            current_user,
            form.password.data,
            utcnow(),
            at={second_factor.WrongPassword: form.password},
        )
        if made:
            return _show_recovery_codes(
                made.result, "New recovery codes; the old ones no longer work."
            )
        if not _wrong_password(made):
            return redirect(url_for("auth.account"))
    return _render_account(codes_form=form)


@blueprint.route("/account/two-factor/disable", methods=["POST"])
@login_required
@_password_check_limit()
def disable_two_factor():
    """Turn off two-factor authentication, knowing my password (not for admins who need it)."""
    form = DisableTwoFactorForm()
    if form.validate_on_submit():
        disabled = apply(
            second_factor.disable,
            database.session,
            current_user._get_current_object(),
            form.password.data,
            utcnow(),
            required_for_admins=current_app.config["REQUIRE_2FA_FOR_ADMINS"],
            done="Two-factor authentication is off.",
            at={second_factor.WrongPassword: form.password},
        )
        if not _wrong_password(disabled):
            return redirect(url_for("auth.account"))
    return _render_account(disable_form=form)


# --- site administration -------------------------------------------------------------


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
