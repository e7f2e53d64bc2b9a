"""How a request's transaction ends (partnerhub.db.end_request): one that only read is
committed, so PostgreSQL keeps the connection's prepared statements and their plans; one that
wrote anything, flushed or not, or failed, is rolled back."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from partnerhub.auth.models import User
from partnerhub.db import Database, end_request


def _name_of(db, user: User) -> str:
    db.expire_all()
    return db.scalar(sa.select(User.name).where(User.id == user.id))


@pytest.fixture
def stored_user(make, db) -> User:
    user = make.user("Dana Reyes")
    db.commit()
    return user


@pytest.fixture
def request_session(app):
    """A session as a request gets one."""
    return app.extensions["partnerhub.database"].sessionmaker()


def test_a_change_flushed_and_not_committed_is_rolled_back(request_session, db, stored_user):
    request_session.get(User, stored_user.id).name = "Changed"
    request_session.flush()
    end_request(request_session, failed=False)
    assert _name_of(db, stored_user) == "Dana Reyes"


def test_a_change_not_yet_flushed_is_rolled_back(request_session, db, stored_user):
    request_session.get(User, stored_user.id).name = "Changed"
    end_request(request_session, failed=False)
    assert _name_of(db, stored_user) == "Dana Reyes"


def test_an_update_statement_not_committed_is_rolled_back(request_session, db, stored_user):
    request_session.execute(sa.update(User).where(User.id == stored_user.id).values(name="Changed"))
    end_request(request_session, failed=False)
    assert _name_of(db, stored_user) == "Dana Reyes"


def _commits(session) -> list[bool]:
    """Grows by one each time `session` commits."""
    seen: list[bool] = []
    sa.event.listen(session, "after_commit", lambda _session: seen.append(True))
    return seen


def test_a_request_that_only_read_is_committed(request_session, stored_user):
    commits = _commits(request_session)
    request_session.get(User, stored_user.id)
    end_request(request_session, failed=False)
    assert commits == [True]


def test_a_failed_request_is_rolled_back_even_if_it_only_read(request_session, stored_user):
    commits = _commits(request_session)
    request_session.get(User, stored_user.id)
    end_request(request_session, failed=True)
    assert commits == []


def test_a_write_already_committed_does_not_mark_the_reading_after_it(request_session, stored_user):
    request_session.execute(sa.update(User).where(User.id == stored_user.id).values(name="Saved"))
    request_session.commit()
    commits = _commits(request_session)
    request_session.get(User, stored_user.id)
    end_request(request_session, failed=False)
    assert commits == [True]


def test_a_write_after_a_commit_is_still_rolled_back(request_session, db, stored_user):
    request_session.get(User, stored_user.id).name = "Committed"
    request_session.commit()
    request_session.execute(sa.update(User).where(User.id == stored_user.id).values(name="Later"))
    end_request(request_session, failed=False)
    assert _name_of(db, stored_user) == "Committed"


def _prepared_after(url: str, requests: int, *, failed: bool) -> int:
    """The prepared statements left on the one pooled connection after `requests` requests
    each reading the same statement and ending as `failed` says."""
    database = Database(url, pool_size=1, max_overflow=0)
    query = sa.select(User.id).where(User.email == sa.bindparam("email"))
    try:
        for _ in range(requests):
            session = database.sessionmaker()
            session.execute(query, {"email": "nobody@example.org"})
            end_request(session, failed=failed)
        with database.engine.connect() as connection:
            prepared = connection.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements")
            return prepared.scalar()
    finally:
        database.dispose()


def test_reading_requests_keep_their_prepared_statements_on_postgresql(postgres_url, app):
    # `app` builds the schema on the test database
    # psycopg prepares a statement on its fifth run on a connection, and forgets every
    # prepared statement on a rollback: only committed reads get there
    assert _prepared_after(postgres_url, 6, failed=False) >= 1
    assert _prepared_after(postgres_url, 6, failed=True) == 0
