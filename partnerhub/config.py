"""Settings read from the environment, with defaults that run on one laptop."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

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
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


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
        # Outbox delivery: messages per claimed batch, how long a claim holds, the first retry
        # delay (doubling, with jitter) and how many attempts before a message is given up.
        "OUTBOX_BATCH_SIZE": int(env("PARTNERHUB_OUTBOX_BATCH_SIZE", "100")),
        "OUTBOX_LEASE_SECONDS": int(env("PARTNERHUB_OUTBOX_LEASE_SECONDS", "300")),
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
        "PREFERRED_URL_SCHEME": "https"
        if env("PARTNERHUB_BASE_URL", "").startswith("https")
        else "http",
    }
    config.update(overrides or {})
    secure = config["BASE_URL"].startswith("https://")
    config.setdefault("SESSION_COOKIE_SECURE", secure)
    config.setdefault("REMEMBER_COOKIE_SECURE", secure)
    return config
