"""Long lists shown a page at a time: which page the query string asks for, and one page of
rows read with a single LIMIT/OFFSET query (one row more than shown says whether more follow)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from sqlalchemy import Select, bindparam
from sqlalchemy.orm import Session

T = TypeVar("T")

PER_PAGE = 25
# Up to six digits: anything longer is no page a person reached by clicking.
_PAGE_NUMBER = re.compile(r"[0-9]{1,6}")


def requested_page(args: Mapping[str, str], param: str = "page") -> int:
    """The page number in `args`; 1 when it is missing, not a whole number, below 1 or absurd."""
    raw = args.get(param, "")
    if not _PAGE_NUMBER.fullmatch(raw):
        return 1
    return max(int(raw), 1)


@dataclass(frozen=True)
class Page(Generic[T]):
    """The rows of one page and whether pages come before and after it."""

    items: Sequence[T]
    number: int
    has_next: bool
    param: str = "page"

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def is_split(self) -> bool:
        """True when the list spans more than one page (the pager is shown)."""
        return self.has_previous or self.has_next

    def arguments(self, view_args: Mapping, query_args: Mapping, number: int) -> dict:
        """The URL arguments of page `number` of the same list, other filters kept."""
        return {**view_args, **query_args, self.param: number}

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def offset_of(number: int, per_page: int = PER_PAGE) -> int:
    return (number - 1) * per_page


def page_of(
    session: Session,
    query: Select,
    number: int,
    per_page: int = PER_PAGE,
    param: str = "page",
    parameters: Mapping | None = None,
) -> Page:
    """Page `number` of the ORM query's rows, in one statement: its objects when it selects one
    entity, else its rows. A collection may be joined in: the page is still of the query's own
    rows (SQLAlchemy limits them in a subquery). A query built once, with its values bound
    (`bindparam`) and given in `parameters`, is limited to a page once too."""
    bounds = {"page_limit": per_page + 1, "page_offset": offset_of(number, per_page)}
    result = session.execute(_paged(query), {**(parameters or {}), **bounds}).unique()
    rows = (result.scalars() if len(query.column_descriptions) == 1 else result).all()
    return Page(list(rows[:per_page]), number, len(rows) > per_page, param)


@lru_cache(maxsize=64)
def _paged(query: Select) -> Select:
    # kept for the queries built once: limiting such a query anew at each read rebuilt it and
    # worked out its key in SQLAlchemy's statement cache again, about 50 µs a page
    return query.limit(bindparam("page_limit")).offset(bindparam("page_offset"))


def page_of_list(rows: Sequence[T], number: int, per_page: int = PER_PAGE, param="page") -> Page:
    """Page `number` of rows already in memory (a short list sorted by a rule, not by SQL)."""
    start = offset_of(number, per_page)
    return Page(list(rows[start : start + per_page]), number, len(rows) > start + per_page, param)
