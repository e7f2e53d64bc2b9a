"""The one SQLAlchemy engine and session factory, shared by web, CLI and worker."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.sql.functions import FunctionElement

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator):
    """A timezone-aware UTC timestamp on every backend (SQLite stores no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def insert_ignoring_conflicts(session: Session, model, keys: list[str]):
    """INSERT … ON CONFLICT (keys) DO NOTHING on either backend: when two writers insert the
    same key at once, one row wins and neither fails."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model.__table__).on_conflict_do_nothing(index_elements=keys)


class among(FunctionElement):
    """SQL: `column` is one of the ids bound at each run under `name` (a list). PostgreSQL
    takes the list as one array parameter (`= ANY`); elsewhere it is spread into one
    parameter per id. Spread, a list of hundreds is rendered into the statement at each run
    and parsed again by the driver, and each length of it is another statement for
    PostgreSQL to prepare and plan (200 ids: 1 ms a run instead of 0.35).

    PostgreSQL keeps a generic plan for a prepared `= ANY`, one that guesses ten ids, and
    searches the bound list from end to end for each row it filters (a literal list would be
    hashed). Use it to look rows up by an indexed key, not to filter many rows (nor in an OR
    with another condition), and check the plan at 100x."""

    name = "among"
    inherit_cache = True
    # no Boolean type: SQLite would compare the IN with 1, and use no index for it

    def __init__(self, column, name: str) -> None:
        super().__init__(column, sa.bindparam(name, expanding=True))


@compiles(among)
def _among(element, compiler, **kw) -> str:
    column, ids = element.clauses
    return compiler.process(column.in_(ids), **kw)


@compiles(among, "postgresql")
def _among_on_postgresql(element, compiler, **kw) -> str:
    column, ids = element.clauses
    array = sa.bindparam(ids.key, type_=ARRAY(column.type))
    return compiler.process(column == sa.any_(array), **kw)


def utcnow() -> datetime:
    """The clock, read only at the edges (views, tasks, CLI) and passed inward."""
    return datetime.now(UTC)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def enum_type(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum column: VARCHAR holding the values, guarded by a CHECK constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(32, *(len(m.value) for m in enum_cls)),
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def create_engine(url: str, **kwargs) -> sa.Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout like a real server.

    Database errors never quote the statement's values: they reach the logs, and the values
    may be a token, a password hash or an email's body."""
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = sa.create_engine(url, **kwargs)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    else:
        kwargs.setdefault("pool_pre_ping", True)
        engine = sa.create_engine(url, **kwargs)

        @sa.event.listens_for(engine, "connect")
        def _session_settings(dbapi_connection, _record):
            # Timestamps are stored and used in UTC: read in a session of another zone (the
            # server's own, often named Etc/UTC), each value costs twice as much to load and
            # convert. Nothing here depends on it: a session left in another zone reads the
            # same instants.
            # A partnership's rows are few and stay in memory, where a lookup by key costs
            # about what a sequential read does. With PostgreSQL's default (4, for disks)
            # the planner scans and hashes whole tables of agencies, members and people to
            # find ten of them: the dashboard took 11 % longer at 10x the data, 31 % at 100x.
            dbapi_connection.execute("SET TIME ZONE 'UTC'; SET random_page_cost = 1.1")
            dbapi_connection.commit()

    _note_writes(engine)
    return engine


# Set on a connection when its transaction runs anything but a SELECT (a WITH counts as a
# write: it may be one, and a rollback is never wrong).
_WROTE = "partnerhub.wrote"


def _note_writes(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "begin")
    def _begun(connection) -> None:
        connection.info.pop(_WROTE, None)

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _executing(connection, _cursor, statement: str, *_args) -> None:
        if statement.lstrip()[:6].upper() != "SELECT":
            connection.info[_WROTE] = True


def end_request(session: Session, failed: bool) -> None:
    """Close a request's session, committing the transaction if it only read.

    Committing a transaction that changed nothing is the same as rolling it back, except to
    psycopg, which forgets the connection's prepared statements on every rollback, and with
    them PostgreSQL's cached plans: the dashboard's statements took longer to plan than to run.
    Anything written, flushed or not, is rolled back as before."""
    try:
        if not failed and session.in_transaction() and not _writes(session):
            session.commit()
    finally:
        session.close()


def _writes(session: Session) -> bool:
    if session.new or session.dirty or session.deleted:
        return True
    return bool(session.connection().info.get(_WROTE))


def columns_of(model: type, row: type[tuple]) -> tuple:
    """The columns of `model` named by the fields of the named tuple `row`, in its order: a
    statement that selects them reads rows for `row._make`, and a field added to the tuple
    is read where it is declared."""
    return tuple(getattr(model, name) for name in row._fields)


def read_rows(
    session: Session, statement: sa.Executable, parameters: dict | None = None
) -> sa.CursorResult:
    """The result of a SELECT of plain columns, run on the session's connection as Core runs
    it: the session's own `execute` prepares to build objects these rows do not hold, which
    took a quarter of a short read's time. Pending changes are flushed first, as there."""
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, parameters)


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str, **engine_kwargs) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on error, always close."""
        with self.sessionmaker() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
