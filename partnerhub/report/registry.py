"""The annual report's sections. A domain declares its section in its own `report.py` with
`@report_section(key, title, order)`; the report never imports a domain. The loader returns
plain `Figures` (a few headline numbers and tables of rows), so the page, the PDF and each
table's CSV are drawn the same way for every section, and a loader must read in a fixed
number of statements whatever the partnership's size."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from importlib import import_module
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session

from partnerhub.partnerships.models import Partnership

# The modules that declare sections; the app factory imports them (see `load`).
REPORT_MODULES = (
    "partnerhub.meetings.report",
    "partnerhub.procedures.report",
    "partnerhub.agreements.report",
    "partnerhub.training.report",
    "partnerhub.questions.report",
)


@dataclass(frozen=True)
class Period:
    """Twelve months from the first day of `start`'s month, in the partnership's time zone,
    as seen on `today` (the partnership's date when the report is drawn)."""

    start: date
    timezone: str
    today: date

    @property
    def end(self) -> date:
        """The day after the period (exclusive)."""
        return self.start + relativedelta(months=12)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def start_at(self) -> datetime:
        return _midnight(self.start, self.timezone)

    @property
    def end_at(self) -> datetime:
        return _midnight(self.end, self.timezone)

    @property
    def label(self) -> str:
        return f"{self.start.strftime('%B %Y')} to {self.last_day.strftime('%B %Y')}"

    @cached_property  # asked once per agency and meeting by the attendance figures
    def quarters(self) -> list[tuple[str, date, date]]:
        """(label, first day, day after) of each three months of the period."""
        quarters = []
        for n in range(4):
            first = self.start + relativedelta(months=3 * n)
            after = first + relativedelta(months=3)
            last = after - timedelta(days=1)
            quarters.append((f"{first.strftime('%b')} to {last.strftime('%b %Y')}", first, after))
        return quarters

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(ZoneInfo(self.timezone)).date()

    def quarter_of(self, day: date) -> int | None:
        """0 to 3, or None when `day` is outside the period."""
        for index, (_, first, after) in enumerate(self.quarters):
            if first <= day < after:
                return index
        return None

    def holds(self, day: date | None) -> bool:
        return day is not None and self.start <= day < self.end


def default_start(today: date) -> date:
    """The last twelve full months before `today`'s month."""
    return today.replace(day=1) - relativedelta(months=12)


def _midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(), ZoneInfo(timezone)).astimezone(ZoneInfo("UTC"))


@dataclass(frozen=True)
class Table:
    """Rows of a section; `key` names its CSV file."""

    key: str
    title: str
    header: tuple[str, ...]
    rows: list[tuple] = field(default_factory=list)
    empty: str = "None in this period."


@dataclass(frozen=True)
class Figures:
    """What a section shows: headline numbers, its tables, and a note on how they are counted."""

    summary: list[tuple[str, object]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    note: str = ""


def percent(part: int, whole: int) -> str:
    """`part` of `whole` as a whole percentage, or a dash when there is nothing to count."""
    return f"{part / whole:.0%}" if whole else "—"


Loader = Callable[[Session, Partnership, Period], Figures]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    order: int
    load: Loader


_sections: list[Section] = []


def report_section(key: str, title: str, order: int) -> Callable[[Loader], Loader]:
    """Declare `(session, partnership, period) -> Figures` as a section of the annual report."""

    def register(load: Loader) -> Loader:
        if all(section.key != key for section in _sections):
            _sections.append(Section(key, title, order, load))
            _sections.sort(key=lambda section: section.order)
        return load

    return register


def sections() -> list[Section]:
    return list(_sections)


def load() -> None:
    """Import every module that declares sections (the app factory calls this once)."""
    for module in REPORT_MODULES:
        import_module(module)
