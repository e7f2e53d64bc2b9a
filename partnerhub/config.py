"""Settings read from the environment, with defaults that run on one laptop."""

from __future__ import annotations

import contextlib
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def instance_path() -> Path:
    """Where the embedded database, broker, mail files and secret key live."""
    path = Path(os.environ.get("PARTNERHUB_INSTANCE_PATH", PROJECT_ROOT / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(instance: Path) -> str:
    """Use the configured key, or one generated once into the instance folder."""
    if key := os.environ.get("PARTNERHUB_SECRET_KEY"):
        return key
    key_file = instance / "secret_key"
    if not key_file.exists():
        _create_once(key_file, secrets.token_urlsafe(48))
    return key_file.read_text().strip()


def _create_once(path: Path, text: str) -> None:
    """Write `path` whole, unless another process made it first: processes starting at once
    on a fresh folder all read the one key that won (a hard link fails if the name exists,
    and the file it links is complete before it gets the name)."""
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        draft.unlink()


def _flag(value: str) -> bool:
    """An on/off setting: 0, false, no and off (any case) turn it off."""
    return value.strip().lower() not in ("0", "false", "no", "off", "")


def load_config(overrides: dict | None = None) -> dict:
    """Build the Flask config from PARTNERHUB_* environment variables and overrides."""
    instance = Path((overrides or {}).get("INSTANCE_PATH") or instance_path())
    instance.mkdir(parents=True, exist_ok=True)
    env = os.environ.get
    database_url = env("PARTNERHUB_DATABASE_URL", f"sqlite:///{instance / 'partnerhub.sqlite'}")
    config = {
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": _secret_key(instance),
        "DATABASE_URL": database_url,
        "BROKER_URL": env("PARTNERHUB_BROKER_URL", f"sqla+sqlite:///{instance / 'broker.sqlite'}"),
        "MAIL_URL": env("PARTNERHUB_MAIL_URL", f"file://{instance / 'mail'}"),
        "MAIL_FROM": env("PARTNERHUB_MAIL_FROM", "PartnerHub <partnerhub@localhost>"),
        # Outbox delivery: messages per claimed batch, how long a claim holds unless renewed
        # (the sending worker renews it as it goes, so a crashed worker's claims come back
        # within about this long), the first retry delay (doubling, with jitter) and how many
        # attempts before a message is given up.
        "OUTBOX_BATCH_SIZE": int(env("PARTNERHUB_OUTBOX_BATCH_SIZE", "100")),
        "OUTBOX_LEASE_SECONDS": int(env("PARTNERHUB_OUTBOX_LEASE_SECONDS", "60")),
        "OUTBOX_RETRY_SECONDS": int(env("PARTNERHUB_OUTBOX_RETRY_SECONDS", "60")),
        "OUTBOX_MAX_ATTEMPTS": int(env("PARTNERHUB_OUTBOX_MAX_ATTEMPTS", "8")),
        "BASE_URL": env("PARTNERHUB_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "UPLOAD_PATH": env("PARTNERHUB_UPLOAD_PATH", str(instance / "uploads")),
        "RATELIMIT_STORAGE_URI": env(
            "PARTNERHUB_RATELIMIT_STORAGE_URI", env("PARTNERHUB_RATELIMIT_STORAGE_URL", "memory://")
        ),
        # If Redis is unreachable, count in the database (shared by every web process) rather
        # than failing every login; see partnerhub.auth.limit_storage.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Failed logins only count; reset requests all count (each one sends an email).
        "TRUSTED_PROXIES": int(env("PARTNERHUB_TRUSTED_PROXIES", "0")),
        "LOGIN_FAILURES_PER_ACCOUNT": env("PARTNERHUB_LOGIN_FAILURES_PER_ACCOUNT", "10/15 minutes"),
        "LOGIN_FAILURES_PER_ADDRESS": env("PARTNERHUB_LOGIN_FAILURES_PER_ADDRESS", "30/15 minutes"),
        "RESET_REQUESTS_PER_ACCOUNT": env("PARTNERHUB_RESET_REQUESTS_PER_ACCOUNT", "5/hour"),
        "RESET_REQUESTS_PER_ADDRESS": env("PARTNERHUB_RESET_REQUESTS_PER_ADDRESS", "20/hour"),
        # Wrong second-factor codes (or recovery codes) for one account, from anywhere.
        "LOGIN_CODE_FAILURES_PER_ACCOUNT": env(
            "PARTNERHUB_LOGIN_CODE_FAILURES_PER_ACCOUNT", "5/15 minutes"
        ),
        # Site admins must turn on two-factor authentication before anything else.
        "REQUIRE_2FA_FOR_ADMINS": _flag(env("PARTNERHUB_REQUIRE_2FA_FOR_ADMINS", "1")),
        "RATELIMIT_HEADERS_ENABLED": True,
        "MAX_CONTENT_LENGTH": int(env("PARTNERHUB_MAX_UPLOAD_MB", "10")) * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "WTF_CSRF_TIME_LIMIT": None,
        "BOOTSTRAP_SERVE_LOCAL": True,
        "BOOTSTRAP_BOOTSWATCH_THEME": None,
    }
    config.update(overrides or {})
    for name, value in _address_settings(config["BASE_URL"]).items():
        config.setdefault(name, value)
    for name, value in cookie_settings(config["BASE_URL"]).items():
        config.setdefault(name, value)
    return config


def _address_settings(base_url: str) -> dict:
    """Flask's settings for building external links, from the public URL."""
    parts = urlsplit(base_url)
    return {
        "SERVER_NAME": parts.netloc,
        "PREFERRED_URL_SCHEME": parts.scheme or "http",
        "APPLICATION_ROOT": parts.path or "/",
    }


def cookie_settings(base_url: str) -> dict:
    """Over HTTPS the login cookies are Secure and take the `__Host-` prefix, which browsers
    accept only when Secure, on Path=/ and without Domain: neither plain HTTP nor a sibling
    subdomain can then set or overwrite them (no session fixation through a cookie)."""
    secure = base_url.startswith("https://")
    prefix = "__Host-" if secure else ""
    return {
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "SESSION_COOKIE_NAME": f"{prefix}session",
        "REMEMBER_COOKIE_NAME": f"{prefix}remember_token",
        "SESSION_COOKIE_PATH": "/",
        "REMEMBER_COOKIE_PATH": "/",
        "SESSION_COOKIE_DOMAIN": None,
        "REMEMBER_COOKIE_DOMAIN": None,
    }
