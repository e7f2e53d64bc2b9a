"""Who owns a flag or an item that needs attention: the one rule, whatever it is about.

A thing owned by a person is theirs; one owned by an agency is its liaison's (and its
alternate's); what concerns the whole partnership, or an agency with neither named, is the
facilitators'. The domains say what a thing is about (the action item's owner, the
procedure's agency); this module says who that makes the owner.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Row, Select, null, select, union_all
from sqlalchemy.orm import Session

from partnerhub.auth.models import User
from partnerhub.db import among, read_rows
from partnerhub.partnerships.models import Membership, Organization, PartnerAgency, Role
from partnerhub.partnerships.registry import OwnerRef


@dataclass(frozen=True)
class Owner:
    """Who is expected to act: `label` names them, `membership_ids` are theirs."""

    label: str
    membership_ids: frozenset[int]

    def includes(self, membership: Membership | None) -> bool:
        return membership is not None and membership.id in self.membership_ids


# Plain rows, not objects: a page names dozens of owners and needs a few columns of each.
# One statement: the named agencies' liaisons, then their alternates (each row with its
# agency), then the members named, then the partnerships' facilitators (with no agency).
# Each part picks its rows by one key (see db.among): an OR of the members named and the
# facilitators, filtering every member of 100 partnerships, took 11 ms instead of 2.3.
_MEMBER = (Membership.id, Membership.partnership_id, Membership.role, User.name)


def _contacts(contact) -> Select:
    """The named agencies' people in one of their contact roles (`contact`: the liaison or
    the alternate), each joined by key."""
    return (
        select(
            *_MEMBER,
            PartnerAgency.id.label("agency_id"),
            Organization.name.label("agency"),
            PartnerAgency.liaison_id,
            PartnerAgency.alternate_id,
        )
        .select_from(PartnerAgency)
        .join(Organization, Organization.id == PartnerAgency.organization_id)
        .join(Membership, Membership.id == contact)
        .join(User, User.id == Membership.user_id)
        .where(among(PartnerAgency.id, "agency_ids"), Membership.left_at.is_(None))
    )


def _members(*where) -> Select:
    return (
        select(*_MEMBER, null(), null(), null(), null())
        .join(User, User.id == Membership.user_id)
        .where(Membership.left_at.is_(None), *where)
    )


_OWNERS = union_all(
    _contacts(PartnerAgency.liaison_id),
    _contacts(PartnerAgency.alternate_id),
    _members(among(Membership.id, "membership_ids")),
    _members(
        among(Membership.partnership_id, "partnership_ids"), Membership.role == Role.FACILITATOR
    ),
)


class Owners:
    """The owners of some things, from what owns each (`OwnerRef`), in one statement that
    reads only the people concerned: the members named, the liaisons and alternates of the
    agencies named, and the partnerships' facilitators (run even for no things, so a page
    runs as many statements whatever it shows)."""

    def __init__(self, session: Session, refs: Iterable[OwnerRef]) -> None:
        refs = list(refs)
        self._facilitators: dict[int, list[Row]] = defaultdict(list)
        self._members: dict[int, Row] = {}
        self._agencies: dict[int, Row] = {}
        asked = {
            "agency_ids": list({ref.agency_id for ref in refs if ref.agency_id is not None}),
            "membership_ids": list({r.membership_id for r in refs if r.membership_id is not None}),
            "partnership_ids": list({ref.partnership_id for ref in refs}),
        }
        for row in read_rows(session, _OWNERS, asked):
            if row.agency_id is not None:
                self._agencies[row.agency_id] = row
            if row.id in self._members:
                continue
            self._members[row.id] = row
            if row.role is Role.FACILITATOR:
                self._facilitators[row.partnership_id].append(row)

    def of(self, ref: OwnerRef) -> Owner:
        """The owner of a thing owned by a member, else by an agency, else the partnership."""
        if ref.membership_id in self._members:
            member = self._members[ref.membership_id]
            return Owner(member.name, frozenset({member.id}))
        agency = self._agencies.get(ref.agency_id)
        if agency is not None:
            named = [
                self._members[i]
                for i in (agency.liaison_id, agency.alternate_id)
                if i in self._members
            ]
            if named:
                people = " and ".join(m.name for m in named)
                return Owner(f"{people} ({agency.agency})", frozenset(m.id for m in named))
        return self.facilitators(ref.partnership_id)

    def facilitators(self, partnership_id: int) -> Owner:
        people = sorted(self._facilitators[partnership_id], key=lambda m: m.name)
        if not people:
            return Owner("the facilitators", frozenset())
        names = ", ".join(m.name for m in people)
        return Owner(f"the facilitators ({names})", frozenset(m.id for m in people))

    def named(self, refs: Iterable[OwnerRef]) -> str:
        """The owners of some things: one or two by name; more are counted, or the line would
        be a list of names."""
        names = sorted({self.of(ref).label for ref in refs})
        return "; ".join(names) if len(names) <= 2 else f"{len(names)} owners"
