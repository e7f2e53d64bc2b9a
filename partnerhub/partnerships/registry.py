"""Extension points other modules plug into a partnership: tabs, page panels, stage checks,
dashboard attention items. Registration happens when a module's views are imported (the app
factory imports them all), so the partnerships module never imports the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, Date, bindparam
from sqlalchemy.orm import Session

from partnerhub.auth.models import User
from partnerhub.partnerships.models import Membership, Partnership, Stage
from partnerhub.permissions import Action

# The partnership's navigation: the overview, its three stages, and its activity log.
SECTIONS = (
    ("overview", "Overview"),
    (Stage.PARTNER.value, Stage.PARTNER.label),
    (Stage.PLAN.value, Stage.PLAN.label),
    (Stage.ACT.value, Stage.ACT.label),
    ("activity", "Activity"),
)


@dataclass(frozen=True)
class Tab:
    """A page in the partnership's navigation, within one of its `SECTIONS`; `endpoint` takes
    `partnership_id`; shown to those who may do `action` (the action its view requires).
    `covers` names the endpoints (or their prefixes) of the pages under it."""

    label: str
    endpoint: str
    order: int
    action: Action = Action.VIEW
    section: str = "overview"
    covers: tuple[str, ...] = ()

    def match(self, endpoint: str) -> int:
        """How closely the page at `endpoint` belongs to this tab (0: not at all)."""
        names = (self.endpoint, *self.covers)
        return max((len(name) for name in names if endpoint.startswith(name)), default=0)


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    endpoint: str  # its first page
    is_current: bool  # the page shown is in it
    is_stage: bool  # the partnership is at this stage


@dataclass(frozen=True)
class Navigation:
    sections: list[Section]
    pages: list[tuple[Tab, bool]]  # the current section's pages, and which one is shown


def navigation(tabs: list[Tab], may: Callable[[Tab], bool], endpoint: str, stage: Stage):
    """The sections the viewer may open, and the pages of the one holding `endpoint`."""
    shown = [tab for tab in tabs if may(tab)]
    active = max(shown, key=lambda tab: tab.match(endpoint), default=None)
    if active is not None and not active.match(endpoint):
        active = None
    current = active.section if active else None
    sections = [
        Section(key, label, members[0].endpoint, key == current, key == stage.value)
        for key, label in SECTIONS
        if (members := [tab for tab in shown if tab.section == key])
    ]
    pages = [(tab, tab is active) for tab in shown if tab.section == current]
    return Navigation(sections, pages if len(pages) > 1 else [])


@dataclass(frozen=True)
class Panel:
    """A section of the partnership overview: `load` returns the template's context."""

    template: str
    order: int
    load: Callable[[Session, Partnership, date], dict]


@dataclass(frozen=True)
class CheckResult:
    done: bool
    detail: str = ""


@dataclass(frozen=True)
class Check:
    """A stage checklist item: computed from data when `compute` is set, else ticked by hand."""

    stage: Stage
    key: str
    label: str
    required: bool = True
    compute: Callable[[Session, Partnership, date], CheckResult] | None = None
    help: str = ""
    order: int = 100


# How pressing an attention item is, and the badge that says so: "due soon" only for what
# has a date coming up, "overdue" only for what is past it; anything else is "attention".
OVERDUE, DUE_SOON, ATTENTION = "danger", "warning", "info"
BADGES = {OVERDUE: "overdue", DUE_SOON: "due soon", ATTENTION: "attention"}


@dataclass(frozen=True)
class OwnerRef:
    """What decides who owns a thing (see partnerships.owners): its partnership, and the
    member or the agency owning it, if one does."""

    partnership_id: int
    membership_id: int | None = None
    agency_id: int | None = None


@dataclass(frozen=True)
class Attention:
    """Something on a partnership that needs someone's attention (shown on the dashboard).
    `owned_by` says who is expected to act on it (the owners of the things it is about);
    the dashboard names them in `owner`, reading the people of all items at once."""

    partnership_id: int
    label: str
    url: str
    severity: str = ATTENTION  # OVERDUE, DUE_SOON or ATTENTION
    due: date | None = None
    owned_by: tuple[OwnerRef, ...] = ()
    owner: str = ""

    @property
    def badge(self) -> str:
        return BADGES[self.severity]


AttentionSource = Callable[[Session, list[int], date], list[Attention]]


@dataclass(frozen=True)
class Viewer:
    """The person whose dashboard is shown: their partnerships and active memberships in
    them, by partnership id, and the time."""

    user: User
    partnerships: dict[int, Partnership]
    memberships: dict[int, Membership]
    now: datetime

    @property
    def partnership_ids(self) -> list[int]:
        return list(self.memberships)


@dataclass(frozen=True)
class MyWork:
    """A part of the dashboard and of the "waiting for me" page: what one domain has for the
    viewer. `load(session, viewer)` returns the items in a fixed number of statements;
    `waiting(item)` says which of them wait for the viewer to act; `template` renders
    `items` (given `waiting_only` on the personal page)."""

    key: str
    heading: str
    template: str
    order: int
    load: Callable[[Session, Viewer], list]
    waiting: Callable[[object], bool]
    on_dashboard: bool = True
    waiting_heading: str = ""  # on the "waiting for me" page, when not `heading`


# () -> a scalar SQL expression correlated to `Partnership.id`: one fact about each partnership
# (a count, a setting, whether something exists) on the day `FACT_DAY`, where it depends on
# the day. A page reads every fact of its partnerships in one statement (see snapshot.facts)
# instead of a query per fact; the expressions are built once and the day bound each time.
Fact = Callable[[], ColumnElement]
FACT_DAY = bindparam("fact_day", type_=Date)


@dataclass
class Registry:
    tabs: list[Tab] = field(default_factory=list)
    panels: list[Panel] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    attention_sources: list[AttentionSource] = field(default_factory=list)
    my_work: list[MyWork] = field(default_factory=list)
    facts: dict[str, Fact] = field(default_factory=dict)


registry = Registry()


def add_tab(
    label: str,
    endpoint: str,
    order: int,
    action: Action = Action.VIEW,
    *,
    section: str = "overview",
    covers: tuple[str, ...] = (),
) -> None:
    if all(t.endpoint != endpoint for t in registry.tabs):
        registry.tabs.append(Tab(label, endpoint, order, action, section, covers))
        registry.tabs.sort(key=lambda t: t.order)


def panel(template: str, order: int):
    """Decorate a loader `(session, partnership, today) -> dict` as an overview panel."""

    def register(load):
        if all(p.template != template for p in registry.panels):
            registry.panels.append(Panel(template, order, load))
            registry.panels.sort(key=lambda p: p.order)
        return load

    return register


def add_check(check: Check) -> None:
    if all(c.key != check.key for c in registry.checks):
        registry.checks.append(check)
        registry.checks.sort(key=lambda c: (c.stage.position, c.order))


def computed_check(stage: Stage, key: str, label: str, *, order: int = 100, help: str = ""):
    """Decorate `(session, partnership, today) -> CheckResult` as a computed checklist item."""

    def register(compute):
        add_check(Check(stage, key, label, compute=compute, order=order, help=help))
        return compute

    return register


def attention_source(source: AttentionSource) -> AttentionSource:
    """Register `(session, partnership_ids, today) -> [Attention]`; it must batch its queries."""
    if source not in registry.attention_sources:
        registry.attention_sources.append(source)
    return source


def my_work(
    key: str,
    heading: str,
    template: str,
    order: int,
    *,
    waiting: Callable[[object], bool] = lambda item: True,
    on_dashboard: bool = True,
    waiting_heading: str = "",
):
    """Decorate a loader `(session, viewer) -> [item]` as a part of the dashboard (in `order`)
    and of the "waiting for me" page."""

    def register(load):
        if all(w.key != key for w in registry.my_work):
            registry.my_work.append(
                MyWork(key, heading, template, order, load, waiting, on_dashboard, waiting_heading)
            )
            registry.my_work.sort(key=lambda w: w.order)
        return load

    return register


def fact(name: str):
    """Decorate `() -> scalar SQL expression on Partnership.id` as the fact `name`."""

    def register(expression: Fact) -> Fact:
        registry.facts[name] = expression
        return expression

    return register
