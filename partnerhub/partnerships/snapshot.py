"""One read of a partnership shared by the parts of a page: the overview's panels and stage
checks take what they have in common (its agencies, agreements, matrix, people, and the
domains' registered facts) from here instead of each querying.

Within `shared_reads(session)`, `shared(session, key, load)` runs `load()` once per key and
hands every caller the same result. Outside such a block it simply runs `load()`: services
that change data and then check it (advancing a stage, a sweep) always read what is there.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from partnerhub.db import among, read_rows
from partnerhub.partnerships.models import Partnership
from partnerhub.partnerships.registry import FACT_DAY, registry

T = TypeVar("T")
_KEY = "partnerhub.shared_reads"


def memberships_key(user_id: int) -> tuple:
    """The key of a person's active memberships, {partnership id: Membership}."""
    return ("memberships of", user_id)


@contextmanager
def shared_reads(session: Session) -> Iterator[None]:
    """Share each keyed read among the callers inside the block (read-only pages)."""
    outer = _KEY in session.info
    session.info.setdefault(_KEY, {})
    try:
        yield
    finally:
        if not outer:
            session.info.pop(_KEY, None)


def shared(session: Session, key: Hashable, load: Callable[[], T]) -> T:
    """`load()`'s result, read once per `key` inside `shared_reads`, every time outside."""
    reads = session.info.get(_KEY)
    if reads is None:
        return load()
    if key not in reads:
        reads[key] = load()
    return reads[key]


def share(session: Session, key: Hashable, value: object) -> None:
    """Offer what a page has already read to the callers inside `shared_reads`."""
    reads = session.info.get(_KEY)
    if reads is not None:
        reads[key] = value


def fact_columns() -> tuple:
    """Every registered fact as a labelled column, to add to a query of partnerships and run
    with `fact_parameters(today)`."""
    return _fact_columns(tuple(registry.facts))


@cache
def _fact_columns(names: tuple[str, ...]) -> tuple:
    # built once per set of facts: building a dozen subqueries costs more than running them
    return tuple(registry.facts[name]().label(name) for name in names)


def fact_parameters(today: date) -> dict:
    return {FACT_DAY.key: today}


def fact_values(row) -> dict[str, Any]:
    """The facts of a row read with `fact_columns()` as its last columns (taken by position:
    by name, each costs twenty times more)."""
    names = registry.facts
    return dict(zip(names, row[-len(names) :], strict=True))


@cache
def _facts_of(columns: tuple) -> Select:
    # built once for the registered facts: building it and its key in SQLAlchemy's cache
    # took longer than running it
    return select(Partnership.id, *columns).where(among(Partnership.id, "partnership_ids"))


def facts_key(partnership_ids, today: date) -> tuple:
    return ("facts", frozenset(partnership_ids), today)


def facts(session: Session, partnership_ids, today: date) -> dict[int, dict[str, Any]]:
    """{partnership id: {fact: value}}: every registered fact of these partnerships on
    `today`, in one statement, or none when the page read them with its partnerships."""
    ids = frozenset(partnership_ids)

    def load():
        parameters = {"partnership_ids": list(ids), **fact_parameters(today)}
        rows = read_rows(session, _facts_of(fact_columns()), parameters)
        return {row.id: fact_values(row) for row in rows}

    return shared(session, facts_key(ids, today), load)
