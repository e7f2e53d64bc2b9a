"""`among`: a column is one of a list of ids bound at each run, on PostgreSQL as one array
parameter whatever the list's length, elsewhere as one parameter per id."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from partnerhub.auth.models import User
from partnerhub.db import among

PICKED = sa.select(User.name).where(among(User.id, "ids")).order_by(User.name)
EITHER = (
    sa.select(User.name)
    .where(sa.or_(User.name == sa.bindparam("name"), among(User.id, "ids")))
    .order_by(User.name)
)


@contextmanager
def _statements(db) -> Iterator[list[tuple[str, object]]]:
    """The statements run meanwhile, with their parameters."""
    seen: list[tuple[str, object]] = []

    def note(_conn, _cursor, statement, parameters, *_):
        seen.append((statement, parameters))

    sa.event.listen(db.get_bind(), "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(db.get_bind(), "before_cursor_execute", note)


def test_picks_the_rows_of_the_ids_bound_at_each_run(make, db):
    people = [make.user(f"Person {n:03}") for n in range(60)]
    db.commit()
    ids = [person.id for person in people]
    assert db.scalars(PICKED, {"ids": ids[:3]}).all() == ["Person 000", "Person 001", "Person 002"]
    assert db.scalars(PICKED, {"ids": [ids[7]]}).all() == ["Person 007"]
    assert db.scalars(PICKED, {"ids": []}).all() == []
    assert len(db.scalars(PICKED, {"ids": ids}).all()) == 60
    assert db.scalars(EITHER, {"ids": [ids[5]], "name": "Person 009"}).all() == [
        "Person 005",
        "Person 009",
    ]
    assert db.scalars(EITHER, {"ids": [], "name": "Person 009"}).all() == ["Person 009"]


def test_on_postgresql_the_list_is_one_parameter_of_one_statement(make, db):
    people = [make.user(f"Person {n:03}") for n in range(60)]
    db.commit()
    with _statements(db) as seen:
        for length in (1, 2, 60):
            db.scalars(PICKED, {"ids": [person.id for person in people[:length]]}).all()
    texts = {statement for statement, _ in seen}
    if db.get_bind().dialect.name == "postgresql":
        assert len(texts) == 1 and "ANY" in texts.pop()
        assert [len(parameters) for _, parameters in seen] == [1, 1, 1]
    else:
        assert len(texts) == 3  # one placeholder per id
        assert [len(parameters) for _, parameters in seen] == [1, 2, 60]
