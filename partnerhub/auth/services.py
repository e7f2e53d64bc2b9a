"""Accounts: password hashing, login sessions kept server-side, users, password resets."""

from __future__ import annotations

import hashlib
import secrets
import zoneinfo
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, bindparam, delete, select
from sqlalchemy.orm import Session

from partnerhub.audit.services import record
from partnerhub.auth.models import PasswordReset, PendingLogin, User, UserSession
from partnerhub.errors import Conflict, DomainError, NotFound, PermissionDenied
from partnerhub.links import external_url
from partnerhub.notifications import (
    Content,
    OutboxMessage,
    OutboxStatus,
    queue_email,
    queue_unwritten,
    render_email,
    writer,
)

SESSION_IDLE = timedelta(hours=12)
REMEMBER_FOR = timedelta(days=30)
RESET_VALID_FOR = timedelta(hours=1)
WELCOME_VALID_FOR = timedelta(days=7)
PASSWORD_MIN_LENGTH = 10
EMAIL_MAX_LENGTH = 254
_SLIDE_AFTER = timedelta(minutes=5)

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the email is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("not a real password")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def new_token() -> tuple[str, str]:
    """A URL-safe secret and the SHA-256 digest that is stored in its place."""
    raw = secrets.token_urlsafe(32)
    return raw, token_digest(raw)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User | None, password: str) -> bool:
    """Verify a password in constant-ish time; rehash when the parameters have moved on."""
    try:
        _hasher.verify(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    if user is None or not user.password_hash:
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


def is_timezone(name: str) -> bool:
    """Whether `name` is an IANA time zone this machine knows."""
    return name in zoneinfo.available_timezones()


def find_user(session: Session, email: str) -> User | None:
    """The account with this email; None for any text no account could have (too long, or
    holding control characters, which PostgreSQL would refuse to compare)."""
    email = normalize_email(email)
    if len(email) > EMAIL_MAX_LENGTH or not email.isprintable():
        return None
    return session.scalar(select(User).where(User.email == email))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = find_user(session, email)
    if check_password(user, password) and user.is_active:
        return user
    return None


def create_user(
    session: Session,
    email: str,
    name: str,
    password: str | None,
    *,
    admin: bool = False,
    timezone: str = "UTC",
) -> User:
    """Add an account; a duplicate email (in any letter case) is a Conflict."""
    email = normalize_email(email)
    if len(email) > EMAIL_MAX_LENGTH:
        raise DomainError(f"Use an email of at most {EMAIL_MAX_LENGTH} characters.")
    if not is_timezone(timezone):
        raise DomainError(f"{timezone} is not a known time zone.")
    if find_user(session, email):
        raise Conflict(f"An account with the email {email} already exists.")
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password) if password else None,
        is_admin=admin,
        timezone=timezone,
    )
    session.add(user)
    session.flush()
    return user


def start_session(
    session: Session, user: User, now: datetime, *, remember: bool, user_agent: str = ""
) -> str:
    """Open a login session for `user`; returns the secret that identifies it in the cookie."""
    raw, digest = new_token()
    session.add(
        UserSession(
            user_id=user.id,
            token_hash=digest,
            remember=remember,
            created_at=now,
            last_seen_at=now,
            expires_at=now + (REMEMBER_FOR if remember else SESSION_IDLE),
            user_agent=user_agent[:255],
        )
    )
    return raw


def session_user(session: Session, raw_token: str, now: datetime) -> User | None:
    """The user behind a live login session; idle sessions slide forward, expired ones end."""
    login = session.scalar(_login_of_token(), {"token_hash": token_digest(raw_token)})
    if login is None or login.expires_at <= now or not login.user.is_active:
        return None
    if now - login.last_seen_at > _SLIDE_AFTER:
        login.last_seen_at = now
        if not login.remember:
            login.expires_at = now + SESSION_IDLE
        session.commit()
    login.user.current_session_token = raw_token
    return login.user


@cache
def _login_of_token() -> Select:
    # built once, as every logged-in request runs it: building it and its key in SQLAlchemy's
    # cache took as long as running it
    return select(UserSession).where(UserSession.token_hash == bindparam("token_hash"))


def end_session(session: Session, raw_token: str) -> None:
    """Log one browser out: its cookie stops working even if copied."""
    session.execute(delete(UserSession).where(UserSession.token_hash == token_digest(raw_token)))


def end_other_sessions(session: Session, user: User, keep_token: str | None = None) -> None:
    """Log out every browser of `user` except the one holding `keep_token`.

    Logins waiting for a second-factor code end too: their password may be the old one.
    """
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        query = query.where(UserSession.token_hash != token_digest(keep_token))
    session.execute(query)
    session.execute(delete(PendingLogin).where(PendingLogin.user_id == user.id))


def session_is_remembered(session: Session, raw_token: str) -> bool:
    """Whether the login session behind `raw_token` was opened with "keep me logged in"."""
    return bool(
        session.scalar(
            select(UserSession.remember).where(UserSession.token_hash == token_digest(raw_token))
        )
    )


def login_sessions(session: Session, user: User, now: datetime) -> list[UserSession]:
    """The user's live login sessions, most recently used first."""
    return list(
        session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.expires_at > now)
            .order_by(UserSession.last_seen_at.desc())
        )
    )


# --- the account page ----------------------------------------------------------------


def update_profile(session: Session, user: User, name: str, timezone: str) -> None:
    """Change the user's display name and time zone."""
    if not is_timezone(timezone):
        raise DomainError(f"{timezone} is not a known time zone.")
    user.name = name.strip()
    user.timezone = timezone


def set_password(session: Session, user: User, password: str) -> None:
    """Store a new password and log every browser of the user out."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise DomainError(f"Use a password of at least {PASSWORD_MIN_LENGTH} characters.")
    user.password_hash = hash_password(password)
    end_other_sessions(session, user)


def change_password(
    session: Session,
    user: User,
    current_password: str,
    new_password: str,
    now: datetime,
    *,
    current_token: str,
    user_agent: str = "",
) -> str:
    """Change a password knowing the current one.

    Every login session ends, copies of this browser's cookie included; the browser that made
    the change gets a fresh session, whose secret is returned.
    """
    if not check_password(user, current_password):
        raise PermissionDenied("That is not your current password.")
    remember = session_is_remembered(session, current_token)
    set_password(session, user, new_password)
    return start_session(session, user, now, remember=remember, user_agent=user_agent)


# --- password reset and welcome links ------------------------------------------------


def start_password_reset(
    session: Session, user: User, now: datetime, valid_for: timedelta = RESET_VALID_FOR
) -> tuple[PasswordReset, str]:
    """A single-use link secret for `user`; only its digest is stored."""
    raw, digest = new_token()
    reset = PasswordReset(
        user_id=user.id, token_hash=digest, created_at=now, expires_at=now + valid_for
    )
    session.add(reset)
    session.flush()
    return reset, raw


def _queue_link_email(
    session: Session,
    user: User,
    template: str,
    subject: str,
    now: datetime,
    link_for: Callable[[str], str],
    valid_for: timedelta,
    **context,
) -> OutboxMessage:
    reset, raw = start_password_reset(session, user, now, valid_for)
    text, html = render_email(
        template, user=user, link=link_for(raw), valid_for=valid_for, **context
    )
    return queue_email(
        session,
        key=f"{template}:{reset.id}",
        kind=template,
        to=user.email,
        subject=subject,
        text=text,
        html=html,
        now=now,
        user_id=user.id,
        about=f"user:{user.id}",
    )


PASSWORD_RESET = "auth_password_reset"


def request_password_reset(session: Session, email: str, now: datetime) -> None:
    """Queue a reset email for whoever owns this address, if anyone does.

    The request does the same work whether or not the address has an account, so neither the
    answer nor its timing tells: one row in the outbox, written (or dropped) by the delivery
    worker after the answer went out.
    """
    queue_unwritten(
        session,
        key=f"{PASSWORD_RESET}:{secrets.token_urlsafe(24)}",
        kind=PASSWORD_RESET,
        to=normalize_email(email)[:EMAIL_MAX_LENGTH],
        now=now,
    )


@writer(PASSWORD_RESET)
def write_password_resets(
    session: Session, messages: list[OutboxMessage], now: datetime
) -> dict[int, Content | OutboxStatus]:
    """The reset email of each queued request, with a fresh link, as it is about to be sent;
    skipped when no active account has the address."""
    users = {
        user.email: user
        for user in session.scalars(
            select(User).where(User.email.in_({m.recipient for m in messages}), User.is_active)
        )
    }
    written: dict[int, Content | OutboxStatus] = {}
    for message in messages:
        user = users.get(message.recipient)
        if user is None:
            written[message.id] = OutboxStatus.SKIPPED
            continue
        _reset, raw = start_password_reset(session, user, now)
        text, html = render_email(
            PASSWORD_RESET, user=user, link=external_url("auth.reset_password", token=raw),
            valid_for=RESET_VALID_FOR,
        )  # fmt: skip
        written[message.id] = Content("Reset your PartnerHub password", text, html)
    return written


def find_password_reset(session: Session, raw_token: str, now: datetime) -> PasswordReset | None:
    """The unused, unexpired reset behind a link, for an active user; else None."""
    reset = session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == token_digest(raw_token))
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        return None
    return reset if reset.user.is_active else None


def reset_password(session: Session, raw_token: str, password: str, now: datetime) -> User:
    """Set a new password through a reset link; the link and any others for the user are spent."""
    reset = find_password_reset(session, raw_token, now)
    if reset is None:
        raise NotFound("This link has expired or was already used.")
    user = reset.user
    set_password(session, user, password)
    for pending in session.scalars(
        select(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)
        )
    ):
        pending.used_at = now
    return user


# --- site administration -------------------------------------------------------------


def all_users(session: Session) -> list[User]:
    """Every account, by name."""
    return list(session.scalars(select(User).order_by(User.name, User.email)))


def create_user_with_welcome(
    session: Session,
    actor: User,
    email: str,
    name: str,
    now: datetime,
    link_for: Callable[[str], str],
    *,
    admin: bool = False,
    timezone: str = "UTC",
) -> tuple[User, OutboxMessage]:
    """An admin adds an account; the person gets an email with a link to choose a password."""
    user = create_user(session, email, name, None, admin=admin, timezone=timezone)
    message = _queue_link_email(
        session,
        user,
        "auth_welcome",
        "Your PartnerHub account",
        now,
        link_for,
        WELCOME_VALID_FOR,
        actor=actor,
    )
    record(session, actor, "user.created", user, f"Created the account {user.email}", now)
    return user, message


def _not_yourself(actor: User, user: User, what: str) -> None:
    if actor.id == user.id:
        raise PermissionDenied(f"You cannot {what} yourself; ask another administrator.")


def set_active(session: Session, actor: User, user: User, now: datetime, *, active: bool) -> None:
    """Deactivate (logging the user out everywhere) or reactivate an account."""
    _not_yourself(actor, user, "deactivate" if not active else "reactivate")
    user.is_active = active
    if not active:
        end_other_sessions(session, user)
    verb = "Reactivated" if active else "Deactivated"
    record(session, actor, f"user.{verb.lower()}", user, f"{verb} {user.email}", now)


def set_admin(session: Session, actor: User, user: User, now: datetime, *, admin: bool) -> None:
    """Grant or revoke site administration."""
    _not_yourself(actor, user, "grant or revoke administration for")
    user.is_admin = admin
    verb = "granted" if admin else "revoked"
    summary = f"{verb.capitalize()} administration for {user.email}"
    record(session, actor, f"user.admin_{verb}", user, summary, now)
