"""Two-factor authentication: enrolling, recovery codes, turning it off; admins enrol first."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup

from partnerhub.auth import second_factor
from partnerhub.auth.forms import (
    DisableTwoFactorForm,
    EnrolTwoFactorForm,
    RecoveryCodesForm,
)
from partnerhub.auth.views import blueprint
from partnerhub.auth.views.account import _render_account
from partnerhub.auth.views.common import (
    THROTTLED,
    _failed,
    _own_account_key,
    _two_factor_required,
)
from partnerhub.db import utcnow
from partnerhub.extensions import database, limiter
from partnerhub.web import apply

# Where an admin who still has to turn on two-factor authentication may go meanwhile.
_OPEN_BEFORE_ENROLMENT = {"auth.enrol_two_factor", "auth.logout", "static", "bootstrap.static"}


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
