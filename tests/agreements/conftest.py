"""Agreements fixtures: a partnership of two agencies, and reloading an agreement as pages do."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from partnerhub.agreements.models import Agreement
from partnerhub.agreements.services import STATUS_LOAD
from partnerhub.partnerships.models import Membership, PartnerAgency, Partnership, Role, Sector


@dataclass
class Table:
    """A partnership in Denver with a school district and a police department at its table."""

    partnership: Partnership
    facilitator: Membership
    school: PartnerAgency
    police: PartnerAgency


@pytest.fixture
def table(make, db) -> Table:
    facilitator = make.user("Fran Facilitator")
    partnership = make.partnership(facilitator, name="Denver Schools and Police")
    school = make.agency(partnership, "Denver Public Schools", Sector.SCHOOL)
    police = make.agency(partnership, "Denver Police Department", Sector.LAW_ENFORCEMENT)
    membership = db.scalars(
        select(Membership).where(
            Membership.partnership_id == partnership.id, Membership.role == Role.FACILITATOR
        )
    ).one()
    db.commit()
    return Table(partnership, membership, school, police)


@pytest.fixture
def reload(db):
    """Read an agreement back from the database with what its status needs."""

    def load(agreement: Agreement) -> Agreement:
        db.expire_all()
        query = select(Agreement).where(Agreement.id == agreement.id).options(*STATUS_LOAD)
        return db.scalars(query).one()

    return load
