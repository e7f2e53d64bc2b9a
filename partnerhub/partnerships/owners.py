"""Who owns a flag or an item that needs attention: the one rule, whatever it is about.

A thing owned by a person is theirs; one owned by an agency is its liaison's (and its
alternate's); what concerns the whole partnership, or an agency with neither named, is the
facilitators'. The domains say what a thing is about (the action item's owner, the
procedure's agency); this module says who that makes the owner.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from partnerhub.partnerships.models import Membership, PartnerAgency, Role
from partnerhub.partnerships.snapshot import shared


@dataclass(frozen=True)
class Owner:
    """Who is expected to act: `label` names them, `membership_ids` are theirs."""

    label: str
    membership_ids: frozenset[int]

    def includes(self, membership: Membership | None) -> bool:
        return membership is not None and membership.id in self.membership_ids


class Owners:
    """The owners of things in some partnerships, read in two statements."""

    def __init__(self, session: Session, partnership_ids) -> None:
        ids = list(set(partnership_ids))
        members = session.scalars(
            select(Membership).where(
                Membership.partnership_id.in_(ids), Membership.left_at.is_(None)
            )
        ).all()
        self._members = {m.id: m for m in members}
        self._facilitators: dict[int, list[Membership]] = defaultdict(list)
        for member in members:
            if member.role is Role.FACILITATOR:
                self._facilitators[member.partnership_id].append(member)
        self._agencies = {
            a.id: a
            for a in session.scalars(
                select(PartnerAgency)
                .where(PartnerAgency.partnership_id.in_(ids))
                .options(joinedload(PartnerAgency.organization))
            )
        }

    def of(
        self, partnership_id: int, *, membership_id: int | None = None, agency_id: int | None = None
    ) -> Owner:
        """The owner of a thing owned by a member, else by an agency, else the partnership."""
        if membership_id in self._members:
            member = self._members[membership_id]
            return Owner(member.user.name, frozenset({member.id}))
        agency = self._agencies.get(agency_id)
        if agency is not None:
            named = [
                self._members[i]
                for i in (agency.liaison_id, agency.alternate_id)
                if i in self._members
            ]
            if named:
                people = " and ".join(m.user.name for m in named)
                return Owner(
                    f"{people} ({agency.organization.name})", frozenset(m.id for m in named)
                )
        return self.facilitators(partnership_id)

    def facilitators(self, partnership_id: int) -> Owner:
        people = sorted(self._facilitators[partnership_id], key=lambda m: m.user.name)
        if not people:
            return Owner("the facilitators", frozenset())
        names = ", ".join(m.user.name for m in people)
        return Owner(f"the facilitators ({names})", frozenset(m.id for m in people))


def owners_in(session: Session, partnership_ids) -> Owners:
    """The owners in these partnerships, read once per page (see snapshot.shared_reads)."""
    ids = frozenset(partnership_ids)
    return shared(session, ("owners in", ids), lambda: Owners(session, ids))
