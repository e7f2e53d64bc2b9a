"""The second factor: TOTP codes (RFC 6238) from an authenticator app, and recovery codes.

A user with the second factor on logs in in two steps: the password opens a short pending
login (server-side, bound to the user), and only a code turns it into a login session.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import segno
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from partnerhub.audit.services import record
from partnerhub.auth.models import PendingLogin, RecoveryCode, User
from partnerhub.auth.services import (
    check_password,
    end_other_sessions,
    new_token,
    start_session,
    token_digest,
)
from partnerhub.errors import Conflict, DomainError, PermissionDenied

ISSUER = "PartnerHub"
STEP_SECONDS = 30
# A phone's clock may be half a minute off either way: the previous and next codes count too.
VALID_WINDOW = 1
PENDING_FOR = timedelta(minutes=5)
RECOVERY_CODE_COUNT = 10
# 16 characters of a 32-letter alphabet (no i, l, o, u to misread): 80 random bits per code.
_RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_RECOVERY_LENGTH = 16
_SIX_DIGITS = re.compile(r"\d{6}")

WRONG_CODE = "That code is not right, or was already used. Enter the newest code from your app."


class WrongPassword(PermissionDenied):
    """The password typed to confirm a change is not the account's."""


def is_enabled(user: User) -> bool:
    return user.totp_confirmed_at is not None


# --- enrolment -----------------------------------------------------------------------


def begin_enrolment(session: Session, user: User) -> str:
    """A new secret to scan, replacing any earlier unconfirmed one.

    Never reused: someone who glimpsed an enrolment page left open must not learn the secret
    its owner confirms later.
    """
    if is_enabled(user):
        raise Conflict("Two-factor authentication is already on.")
    user.totp_secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
    user.totp_last_step = None
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_svg(uri: str) -> str:
    """The QR code as inline SVG, drawn here: the secret never leaves the server for an image
    service, and the page's content security policy stays as strict as everywhere else."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_enrolment(
    session: Session, user: User, code: str, now: datetime, *, keep_token: str | None = None
) -> list[str]:
    """Turn the second factor on with a first code from the app; returns the recovery codes.

    Every other login session ends: those browsers got in with a password alone.
    """
    if is_enabled(user) or not user.totp_secret:
        raise Conflict("Start again from your account page.")
    if not verify_code(session, user, code, now):
        raise DomainError("That code is not right. Enter the code your app shows now.")
    user.totp_confirmed_at = now
    codes = _replace_recovery_codes(session, user, now)
    end_other_sessions(session, user, keep_token)
    summary = "Turned on two-factor authentication"
    record(session, user, "user.two_factor_enabled", user, summary, now)
    return codes


def disable(
    session: Session, user: User, password: str, now: datetime, *, required_for_admins: bool
) -> None:
    """Turn the second factor off, knowing the password; admins may not while it is required."""
    if not check_password(user, password):
        raise WrongPassword("That is not your current password.")
    if user.is_admin and required_for_admins:
        raise PermissionDenied("Site administrators must keep two-factor authentication on.")
    if not user.totp_secret:
        raise Conflict("Two-factor authentication is already off.")
    was_on = is_enabled(user)
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    if was_on:
        summary = "Turned off two-factor authentication"
        record(session, user, "user.two_factor_disabled", user, summary, now)


def reset(session: Session, user: User, now: datetime) -> None:
    """An operator removes the second factor of someone who lost their app and their codes.

    Every login session ends too: whoever holds the lost phone may hold a logged-in browser.
    """
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_other_sessions(session, user)
    summary = "Removed two-factor authentication from the command line"
    record(session, None, "user.two_factor_reset", user, summary, now)


# --- codes -----------------------------------------------------------------------------


# Letters typed for the digits they resemble (recovery codes use no i, l or o).
_LOOKALIKES = str.maketrans("ilo", "110")


def _normal(code: str) -> str:
    """A typed code without spaces, dashes or case, and with look-alike letters read as digits."""
    return "".join(c for c in code.lower() if c.isalnum()).translate(_LOOKALIKES)


def verify_code(session: Session, user: User, code: str, now: datetime) -> bool:
    """Whether `code` is the app's code for now or a step either side, and not used before.

    The step is recorded in a conditional UPDATE, so two requests racing with the same code
    cannot both succeed, and a code older than one already accepted is refused too.
    """
    code = _normal(code)
    if not user.totp_secret or not _SIX_DIGITS.fullmatch(code):
        return False
    totp = pyotp.TOTP(user.totp_secret, interval=STEP_SECONDS)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return _claim_step(session, user, step)
    return False


def _claim_step(session: Session, user: User, step: int) -> bool:
    claimed = session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    user.totp_last_step = step
    return True


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4))


def _recovery_digest(code: str) -> str:
    # Each code carries 80 random bits, so a plain SHA-256 digest (as for login-session and
    # reset tokens) cannot be reversed by guessing; argon2's deliberate slowness protects
    # guessable passwords and would only cost ten verifications per attempt here.
    return token_digest(_normal(code))


def _replace_recovery_codes(session: Session, user: User, now: datetime) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(
        RecoveryCode(user_id=user.id, code_hash=_recovery_digest(code), created_at=now)
        for code in codes
    )
    session.flush()
    return codes


def regenerate_recovery_codes(
    session: Session, user: User, password: str, now: datetime
) -> list[str]:
    """A fresh set of recovery codes, knowing the password; the old ones stop working."""
    if not check_password(user, password):
        raise WrongPassword("That is not your current password.")
    if not is_enabled(user):
        raise Conflict("Turn on two-factor authentication first.")
    codes = _replace_recovery_codes(session, user, now)
    summary = "Replaced the recovery codes"
    record(session, user, "user.recovery_codes_replaced", user, summary, now)
    return codes


def recovery_codes_left(session: Session, user: User) -> int:
    return session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def use_recovery_code(session: Session, user: User, code: str, now: datetime) -> bool:
    """Spend one recovery code; a conditional UPDATE makes sure it works exactly once."""
    if not is_enabled(user) or len(_normal(code)) != _RECOVERY_LENGTH:
        return False
    spent = session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_digest(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        return False
    left = recovery_codes_left(session, user)
    summary = f"Logged in with a recovery code ({left} left)"
    record(session, user, "user.recovery_code_used", user, summary, now)
    return True


# --- logging in in two steps ---------------------------------------------------------------


def start_pending_login(session: Session, user: User, now: datetime, *, remember: bool) -> str:
    """After the password: a short-lived state awaiting the code; returns its secret."""
    session.execute(delete(PendingLogin).where(PendingLogin.expires_at <= now))
    raw, digest = new_token()
    session.add(
        PendingLogin(
            user_id=user.id,
            token_hash=digest,
            remember=remember,
            created_at=now,
            expires_at=now + PENDING_FOR,
        )
    )
    session.flush()
    return raw


def find_pending_login(session: Session, raw_token: str, now: datetime) -> PendingLogin | None:
    """The live pending login behind `raw_token`, for an active user; else None."""
    if not raw_token:
        return None
    pending = session.scalar(
        select(PendingLogin).where(PendingLogin.token_hash == token_digest(raw_token))
    )
    if pending is None or pending.expires_at <= now or not pending.user.is_active:
        return None
    return pending


@dataclass
class CompletedLogin:
    user: User
    token: str
    remember: bool
    recovery_codes_left: int | None  # set when a recovery code was used


def complete_login(
    session: Session, pending: PendingLogin, code: str, now: datetime, *, user_agent: str = ""
) -> CompletedLogin | None:
    """Check the code (or a recovery code); on success the pending login becomes a session."""
    user = pending.user
    left = None
    if not verify_code(session, user, code, now):
        if not use_recovery_code(session, user, code, now):
            return None
        left = recovery_codes_left(session, user)
    remember = pending.remember
    session.delete(pending)
    token = start_session(session, user, now, remember=remember, user_agent=user_agent)
    return CompletedLogin(user, token, remember, left)
