"""One read of a partnership shared by the parts of a page: the overview's panels and stage
checks take what they have in common (its agencies, agreements, matrix, people) from here
instead of each querying.

Within `shared_reads(session)`, `shared(session, key, load)` runs `load()` once per key and
hands every caller the same result. Outside such a block it simply runs `load()`: services
that change data and then check it (advancing a stage, a sweep) always read what is there.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.orm import Session

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
