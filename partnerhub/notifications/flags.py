"""Flags: agreements due for renewal, procedures due for review, overdue action items.

The sweep raises them (reminders.py); they are shown on the dashboard and on the partnership's
flags page until the thing is dealt with (resolved by the sweep) or a facilitator acknowledges
them with a note.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from flask import url_for
from sqlalchemy import (
    CompoundSelect,
    Row,
    Select,
    String,
    bindparam,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session, lazyload

from partnerhub.audit.services import record
from partnerhub.auth.models import User
from partnerhub.db import among, insert_ignoring_conflicts, read_rows
from partnerhub.errors import InvalidTransition, NotFound
from partnerhub.forms import id_or_none
from partnerhub.identifiers import screen
from partnerhub.notifications.models import Flag, FlagKind
from partnerhub.notifications.registry import FlagSubject, registry
from partnerhub.partnerships.models import Partnership
from partnerhub.partnerships.owners import Owner, Owners
from partnerhub.partnerships.registry import (
    DUE_SOON,
    OVERDUE,
    Attention,
    OwnerRef,
    Viewer,
    attention_source,
    my_work,
)


def insert_ignoring_duplicates(session: Session, model, rows: list[dict], keys: list[str]):
    """Insert the rows whose `keys` are not taken yet; returns the inserted rows' keys."""
    if not rows:
        return []
    table = model.__table__
    statement = insert_ignoring_conflicts(session, model, keys).returning(
        *(table.c[k] for k in keys)
    )
    return [tuple(row) for row in session.execute(statement, rows)]


def insert_new_ignoring_duplicates(session: Session, model, rows: list[dict], key: str) -> int:
    """Insert the rows whose unique `key` is not taken yet; returns how many were new.

    Without RETURNING the driver sends the rows as one batch (psycopg's pipeline), several
    times faster for thousands of emails; the count comes from looking the keys up first (a
    concurrent insert of the same key is still ignored by the database, only not counted).
    """
    column = model.__table__.c[key]
    taken = set(session.scalars(select(column).where(column.in_([r[key] for r in rows]))))
    new = [row for row in rows if row[key] not in taken]
    if new:
        session.connection().execute(insert_ignoring_conflicts(session, model, [key]), new)
    return len(new)


def raise_flag(
    session: Session,
    *,
    kind: FlagKind,
    partnership_id: int,
    subject: str,
    title: str,
    due_on: date,
    threshold: str,
    today: date,
) -> tuple[Flag, str | None]:
    """The flag for (kind, subject, due date), raised now if new, moved on to `threshold`;
    with the threshold it had before (None when this call raised it)."""
    inserted = insert_ignoring_duplicates(
        session,
        Flag,
        [
            {
                "kind": kind,
                "partnership_id": partnership_id,
                "subject": subject,
                "title": title,
                "due_on": due_on,
                "raised_on": today,
                "threshold": threshold,
                "acknowledgement_note": "",
            }
        ],
        ["kind", "subject", "due_on"],
    )
    flag = session.scalars(
        select(Flag).where(Flag.kind == kind, Flag.subject == subject, Flag.due_on == due_on)
    ).one()
    previous = None if inserted else flag.threshold
    flag.threshold = threshold
    flag.title = title
    return flag, previous


def resolve_flags(
    session: Session, kind: FlagKind, still_due: set[str], now: datetime, partnership_ids=None
) -> int:
    """Close the open flags of `kind` whose subject is no longer due; returns how many."""
    query = select(Flag).where(Flag.kind == kind, Flag.resolved_at.is_(None))
    if partnership_ids is not None:
        query = query.where(Flag.partnership_id.in_(partnership_ids))
    resolved = 0
    for flag in session.scalars(query):
        if flag.subject not in still_due:
            flag.resolved_at = now
            resolved += 1
    return resolved


def partnership_flags(session: Session, partnership_id: int) -> list[Flag]:
    """A partnership's flags not yet resolved: open ones first, then acknowledged, by date."""
    flags = session.scalars(_unresolved(), {"partnership_id": partnership_id}).all()
    return sorted(flags, key=lambda f: not f.is_open)


@cache
def _unresolved() -> Select:
    return (
        select(Flag)
        .where(Flag.partnership_id == bindparam("partnership_id"), Flag.resolved_at.is_(None))
        .order_by(Flag.due_on, Flag.id)
    )


def acknowledge(
    session: Session,
    actor: User,
    partnership_id: int,
    flag_id: int,
    note: str,
    now: datetime,
    *,
    keep_reason: str | None = None,
) -> Flag:
    """Record that a facilitator has seen the flag and what is being done about it (a note
    that may identify a youth only with `keep_reason`)."""
    flag = session.get(Flag, flag_id)
    if flag is None or flag.partnership_id != partnership_id:
        raise NotFound("There is no such flag on this partnership.")
    note = note.strip()
    if not note:
        raise InvalidTransition("Say in a note what is being done about it.")
    if not flag.is_open:
        raise InvalidTransition("This flag was already acknowledged or resolved.")
    screen(
        session,
        partnership_id,
        [note],
        keep_reason=keep_reason,
        actor=actor,
        now=now,
        what=f"a note on the flag “{flag.title}”",
    )
    flag.acknowledged_at = now
    flag.acknowledged_by_id = actor.id
    flag.acknowledgement_note = note
    record(
        session,
        actor,
        "flag.acknowledge",
        flag,
        f"Acknowledged the flag “{flag.title}”: {note}",
        now,
        partnership_id=partnership_id,
    )
    return flag


def _open(query: Select) -> Select:
    """`query` kept to the flags neither resolved nor acknowledged of the partnerships
    bound as `partnership_ids`, by partnership and date."""
    return query.where(
        among(Flag.partnership_id, "partnership_ids"),
        Flag.resolved_at.is_(None),
        Flag.acknowledged_at.is_(None),
    ).order_by(Flag.partnership_id, Flag.due_on, Flag.id)


@cache
def _open_flags() -> Select:
    """Built on first use: a loader option configures every mapper, which needs every model
    imported. Nobody has acknowledged an open flag: joining who did would read a user for
    nothing."""
    return _open(select(Flag).options(lazyload(Flag.acknowledged_by)))


# what the dashboard's line needs, as plain rows: a partnership keeping track of training
# can have dozens of open flags
_OPEN_FLAG_LINES = _open(select(Flag.id, Flag.partnership_id, Flag.kind, Flag.subject, Flag.due_on))


def open_flags(session: Session, partnership_ids) -> list[Flag]:
    """The partnerships' flags neither resolved nor acknowledged, by partnership and date."""
    return list(session.scalars(_open_flags(), {"partnership_ids": list(partnership_ids)}))


@attention_source
def open_flag_attention(session: Session, partnership_ids: list[int], today: date):
    """One dashboard line per partnership with open flags, linking to its flags page (the
    agreements, procedures and meetings modules list the items themselves)."""
    flags = read_rows(session, _OPEN_FLAG_LINES, {"partnership_ids": partnership_ids}).all()
    refs = flag_refs(session, flags)
    by_partnership: dict[int, list[Row]] = {}
    for flag in flags:
        by_partnership.setdefault(flag.partnership_id, []).append(flag)
    return [
        Attention(
            partnership_id=partnership_id,
            label=_summary(open_flags),
            url=url_for("notifications.flags", partnership_id=partnership_id),
            severity=OVERDUE if open_flags[0].due_on <= today else DUE_SOON,
            due=open_flags[0].due_on,
            owned_by=tuple(refs[flag.id] for flag in open_flags),
        )
        for partnership_id, open_flags in by_partnership.items()
    ]


def _summary(flags: list[Row]) -> str:
    """'2 open flags: Agreement renewal, Overdue action item'."""
    kinds = sorted({flag.kind.label for flag in flags})
    noun = "open flag" if len(flags) == 1 else "open flags"
    return f"{len(flags)} {noun}: {', '.join(kinds)}"


def flag_owners(session: Session, flags: list[Flag]) -> dict[int, Owner]:
    """Each flag's owner, from what it is about (see partnerships.owners), in three
    statements: the subjects of every kind, then the agencies and the people concerned."""
    refs = flag_refs(session, flags)
    owners = Owners(session, refs.values())
    return {flag_id: owners.of(ref) for flag_id, ref in refs.items()}


def flag_refs(session: Session, flags: Sequence[Flag | Row]) -> dict[int, OwnerRef]:
    """What owns each flag's subject (flags, or rows of their id, partnership and subject),
    in one statement for every kind of subject. A subject is "kind:id", maybe with more
    after the id; one no module claims, or that does not parse, is the partnership's (it
    never keeps the other flags from their owners)."""
    about = {flag.id: _subject(flag) for flag in flags}
    ids_by_prefix: dict[str, set[int]] = defaultdict(set)
    for prefix, thing in about.values():
        if thing is not None and prefix in registry.flag_subjects:
            ids_by_prefix[prefix].add(thing)
    owned = _subject_owners(session, ids_by_prefix)
    refs = {}
    for flag in flags:
        prefix, thing = about[flag.id]
        refs[flag.id] = OwnerRef(flag.partnership_id, **owned.get(prefix, {}).get(thing, {}))
    return refs


def _subject_owners(session: Session, ids_by_prefix: dict[str, set[int]]) -> dict:
    """{prefix: {id: {"membership_id": …, "agency_id": …}}}, every kind's in one UNION ALL."""
    owned: dict[str, dict[int, dict]] = defaultdict(dict)
    if not ids_by_prefix:
        return owned
    kinds = tuple((prefix, registry.flag_subjects[prefix]) for prefix in sorted(ids_by_prefix))
    ids = {f"ids_{n}": list(ids_by_prefix[prefix]) for n, (prefix, _) in enumerate(kinds)}
    for thing, membership_id, agency_id, prefix in read_rows(session, _subjects(kinds), ids):
        owned[prefix][thing] = {"membership_id": membership_id, "agency_id": agency_id}
    return owned


@cache
def _subjects(kinds: tuple[tuple[str, FlagSubject], ...]) -> CompoundSelect:
    """The UNION ALL of some kinds' owners, each kind's picked by the ids bound at each run
    as `ids_0`, `ids_1`, …: built once for each set of kinds, not for each page."""
    picked = []
    for n, (prefix, owned_by) in enumerate(kinds):
        owners = owned_by()
        thing = owners.selected_columns[0]
        picked.append(owners.where(among(thing, f"ids_{n}")).add_columns(literal(prefix, String)))
    return union_all(*picked)


def _subject(flag: Flag | Row) -> tuple[str, int | None]:
    """("agreement", 12) of "agreement:12"; the id is None when there is none to read."""
    prefix, _, rest = flag.subject.partition(":")
    return prefix, id_or_none(rest.partition(":")[0])


@dataclass(frozen=True)
class OwnedFlag:
    flag: Flag
    owner: Owner
    partnership: Partnership
    today: date  # where the partnership meets

    @property
    def overdue(self) -> bool:
        return self.flag.due_on <= self.today


@my_work("flags", "Flags you own", "notifications/_my_flags.html", 50, on_dashboard=False)
def my_flags(session: Session, viewer: Viewer) -> list[OwnedFlag]:
    """The open flags whose owner is the viewer, soonest due first."""
    flags = open_flags(session, viewer.partnership_ids)
    owners = flag_owners(session, flags)
    mine = [
        OwnedFlag(
            flag,
            owners[flag.id],
            viewer.partnerships[flag.partnership_id],
            viewer.now.astimezone(
                ZoneInfo(viewer.partnerships[flag.partnership_id].timezone)
            ).date(),
        )
        for flag in flags
        if owners[flag.id].includes(viewer.memberships[flag.partnership_id])
    ]
    return sorted(mine, key=lambda owned: (owned.flag.due_on, owned.flag.id))
