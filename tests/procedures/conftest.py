"""A partnership with three agencies, each with a liaison, an alternate and a plain member."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from partnerhub.partnerships.models import Membership, PartnerAgency, Partnership, Role, Sector


@dataclass
class Table:
    partnership: Partnership
    facilitator: Membership
    school: PartnerAgency
    police: PartnerAgency
    health: PartnerAgency
    liaisons: dict  # agency id -> Membership
    alternates: dict  # agency id -> Membership
    staff: dict  # agency id -> Membership (represents the agency, neither liaison nor alternate)
    observer: Membership

    @property
    def agencies(self) -> list[PartnerAgency]:
        return [self.school, self.police, self.health]


@pytest.fixture
def table(make, db) -> Table:
    facilitator_user = make.user("Fiona Facilitator")
    partnership = make.partnership(facilitator_user, name="Helena Youth Partnership")
    facilitator = db.query(Membership).filter_by(user_id=facilitator_user.id).one()
    agencies = [
        make.agency(partnership, "Helena Public Schools", Sector.SCHOOL),
        make.agency(partnership, "Helena Police Department", Sector.LAW_ENFORCEMENT),
        make.agency(partnership, "Western Montana Mental Health", Sector.MENTAL_HEALTH),
    ]
    liaisons, alternates, staff = {}, {}, {}
    for agency in agencies:
        name = agency.organization.name.split()[1]
        liaisons[agency.id] = make.member(partnership, make.user(f"{name} Liaison"), agency=agency)
        alternates[agency.id] = make.member(
            partnership, make.user(f"{name} Alternate"), agency=agency
        )
        staff[agency.id] = make.member(partnership, make.user(f"{name} Staff"), agency=agency)
        agency.liaison_id = liaisons[agency.id].id
        agency.alternate_id = alternates[agency.id].id
    observer = make.member(partnership, make.user("Olive Observer"), Role.OBSERVER)
    db.commit()
    return Table(partnership, facilitator, *agencies, liaisons, alternates, staff, observer)
