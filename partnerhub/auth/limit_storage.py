"""Rate-limit counts in the application's database, for when Redis is unreachable.

Flask-Limiter falls back to counting in each process's memory while its storage is down, so
with several web processes every limit multiplies by their number. Counting in the database
instead keeps each limit whole: every web process shares it, and the web needs it anyway.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime

import flask_limiter
import sqlalchemy as sa
from flask import Flask
from limits.storage import MovingWindowSupport, Storage
from limits.strategies import MovingWindowRateLimiter

from partnerhub.auth.models import LimitAttempt

PRUNE_PER_HIT = 100  # expired entries deleted by each counted request, whatever their key


def _moment(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _stored_key(key: str) -> str:
    return key if len(key) <= 255 else hashlib.sha256(key.encode()).hexdigest()


class DatabaseStorage(Storage, MovingWindowSupport):
    """A moving-window store on the database: one row per counted request, until it expires.

    A key's rows are counted and added under a lock on that key (a transaction-scoped advisory
    lock on PostgreSQL; SQLite lets one writer in at a time), so two processes cannot both take
    the last place in a window."""

    STORAGE_SCHEME = None  # built by the limiter below, never from a storage URI

    def __init__(self, engine: Callable[[], sa.Engine]) -> None:
        super().__init__()
        self._engine = engine

    @property
    def base_exceptions(self) -> type[Exception]:
        return sa.exc.SQLAlchemyError

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        key, now = _stored_key(key), time.time()
        with self._engine().begin() as connection:
            self._prune_and_lock(connection, key, now)
            if self._live(connection, key, now)[0] + amount > limit:
                return False
            entry = {"key": key, "expires_at": _moment(now + expiry)}
            connection.execute(sa.insert(LimitAttempt), [entry] * amount)
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        with self._engine().connect() as connection:
            count, first_expiry = self._live(connection, _stored_key(key), now)
        if not count:
            return now, 0
        return first_expiry.timestamp() - expiry, count

    def check(self) -> bool:
        try:
            with self._engine().connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def clear(self, key: str) -> None:
        with self._engine().begin() as connection:
            connection.execute(sa.delete(LimitAttempt).where(LimitAttempt.key == _stored_key(key)))

    def reset(self) -> int | None:
        with self._engine().begin() as connection:
            return connection.execute(sa.delete(LimitAttempt)).rowcount

    # Fixed windows are not used (the limiter runs a moving window): no counters to keep.
    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError("the database storage serves moving windows only")

    def get(self, key: str) -> int:
        raise NotImplementedError("the database storage serves moving windows only")

    def get_expiry(self, key: str) -> float:
        raise NotImplementedError("the database storage serves moving windows only")

    @staticmethod
    def _prune_and_lock(connection: sa.Connection, key: str, now: float) -> None:
        if connection.dialect.name == "postgresql":
            lock = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(lock)))
        # On SQLite this first write takes the database's write lock for the transaction.
        # Rows another transaction is deleting are skipped, so concurrent prunes never wait.
        expired = (
            sa.select(LimitAttempt.id)
            .where(LimitAttempt.expires_at <= _moment(now))
            .limit(PRUNE_PER_HIT)
            .with_for_update(skip_locked=True)
        )
        connection.execute(sa.delete(LimitAttempt).where(LimitAttempt.id.in_(expired)))

    @staticmethod
    def _live(connection: sa.Connection, key: str, now: float) -> tuple[int, datetime | None]:
        """How many of the key's entries are still in their window, and the first to expire."""
        count, first_expiry = connection.execute(
            sa.select(sa.func.count(), sa.func.min(LimitAttempt.expires_at)).where(
                LimitAttempt.key == key, LimitAttempt.expires_at > _moment(now)
            )
        ).one()
        return count, first_expiry


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter whose fallback, while the configured storage is unreachable, is the
    database rather than each process's memory.

    Flask-Limiter offers only a memory fallback; this swaps the store that fallback counts in
    and keeps the rest of its behaviour (switch on the first storage error, probe the storage
    with growing intervals, switch back once it answers)."""

    def __init__(self, *args, engine: Callable[[], sa.Engine], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._engine = engine

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        self._storage_dead = False  # a new app starts on its configured storage
        if self._in_memory_fallback_enabled:
            self._fallback_storage = DatabaseStorage(self._engine)
            self._fallback_limiter = MovingWindowRateLimiter(self._fallback_storage)
