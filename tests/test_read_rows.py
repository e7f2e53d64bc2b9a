"""`read_rows`: a SELECT of plain columns run as Core runs it, with the session's own rows and
its pending changes, as the session's `execute` would give them."""

from __future__ import annotations

import sqlalchemy as sa

from partnerhub.auth.models import User
from partnerhub.db import read_rows


def _name(user: User) -> sa.Select:
    return sa.select(User.name.label("called"), User.email).where(User.id == user.id)


def test_gives_the_rows_the_session_would(make, db):
    user = make.user("Ann Lee")
    db.commit()
    row = read_rows(db, _name(user)).one()
    assert row == db.execute(_name(user)).one()
    assert (row.called, row.email) == ("Ann Lee", user.email)


def test_reads_a_change_not_yet_flushed(make, db):
    user = make.user("Ann Lee")
    db.commit()
    user.name = "Ann Lee-Park"
    assert read_rows(db, _name(user)).one().called == "Ann Lee-Park"


def test_leaves_pending_changes_alone_where_the_session_does(make, db):
    user = make.user("Ann Lee")
    db.commit()
    user.name = "Ann Lee-Park"
    with db.no_autoflush:
        assert read_rows(db, _name(user)).one().called == "Ann Lee"
    assert user in db.dirty
