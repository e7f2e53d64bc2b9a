"""Alembic, driven from code so `partnerhub db upgrade` needs no alembic.ini; and the check that
a database is at this code's latest migration, which serving processes make before they start."""

from __future__ import annotations

import logging
from functools import cache

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from partnerhub.config import PROJECT_ROOT

log = logging.getLogger(__name__)


class NotMigrated(RuntimeError):
    """The database is not at the latest migration: nothing should serve from it."""


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


@cache
def latest_revisions() -> frozenset[str]:
    """The head revisions of the migrations shipped with this code (read once per process)."""
    return frozenset(ScriptDirectory.from_config(alembic_config("")).get_heads())


def lag(engine: sa.Engine) -> str | None:
    """None when the database is at the latest migration, else "at X, need Y" (one query).
    Connection errors are the caller's to report."""
    with engine.connect() as connection:
        try:
            current = frozenset(
                connection.scalars(sa.text("SELECT version_num FROM alembic_version"))
            )
        except sa.exc.ProgrammingError:  # PostgreSQL: no alembic_version table yet
            current = frozenset()
        except sa.exc.OperationalError as error:  # SQLite says "no such table" this way
            if "no such table" not in str(error):
                raise
            current = frozenset()
    if current == latest_revisions():
        return None
    return f"at {_names(current)}, need {_names(latest_revisions())}"


def _names(revisions: frozenset[str]) -> str:
    return ", ".join(sorted(revisions)) or "no migration"


def require_latest(engine: sa.Engine, process: str) -> None:
    """Refuse to start `process` on a database that is not at the latest migration: every
    request or task would fail on a missing table or column. Says so loudly first.

    The check's connection is not kept: processes forked after it (Celery's prefork pool,
    gunicorn with --preload) must not share one connection to the database."""
    try:
        behind = lag(engine)
    finally:
        engine.dispose()
    if behind is None:
        return
    message = (
        f"{process} refuses to start: the database is not migrated ({behind}). "
        "Run `partnerhub db upgrade` first."
    )
    log.critical(message)
    raise NotMigrated(message)
