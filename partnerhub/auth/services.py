"""Accounts: password hashing, login sessions kept server-side, user creation."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from partnerhub.auth.models import User, UserSession
from partnerhub.errors import Conflict

SESSION_IDLE = timedelta(hours=12)
REMEMBER_FOR = timedelta(days=30)
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


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


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
    login = session.scalar(
        select(UserSession).where(UserSession.token_hash == token_digest(raw_token))
    )
    if login is None or login.expires_at <= now or not login.user.is_active:
        return None
    if now - login.last_seen_at > _SLIDE_AFTER:
        login.last_seen_at = now
        if not login.remember:
            login.expires_at = now + SESSION_IDLE
        session.commit()
    login.user.current_session_token = raw_token
    return login.user


def end_session(session: Session, raw_token: str) -> None:
    """Log one browser out: its cookie stops working even if copied."""
    session.execute(delete(UserSession).where(UserSession.token_hash == token_digest(raw_token)))


def end_other_sessions(session: Session, user: User, keep_token: str | None = None) -> None:
    """Log out every browser of `user` except the one holding `keep_token`."""
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        query = query.where(UserSession.token_hash != token_digest(keep_token))
    session.execute(query)
