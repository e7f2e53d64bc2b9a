"""Agreements fixtures: a partnership of two agencies, and reloading an agreement as pages do."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from partnerhub.agreements.models import Agreement
from partnerhub.agreements.services import DETAIL_LOAD
from partnerhub.partnerships.models import Membership, PartnerAgency, Partnership, Role, Sector


@dataclass
class Table:
    """A partnership in Denver with a school district and a police department at its table."""

    partnership: Partnership
    facilitator: Membership
    school: PartnerAgency
    police: PartnerAgency
    superintendent: Membership  # the school district's signatory
    chief: Membership  # the police department's signatory
    officer: Membership  # a police member who does not sign
    observer: Membership


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
    people = dict(
        superintendent=make.member(
            partnership,
            make.user("Sam Superintendent"),
            agency=school,
            position="Superintendent",
            signatory=True,
        ),
        chief=make.member(
            partnership,
            make.user("Cruz Chief"),
            agency=police,
            position="Chief of Police",
            signatory=True,
        ),
        officer=make.member(partnership, make.user("Riley Officer"), agency=police, position="SRO"),
        observer=make.member(partnership, make.user("Oak Observer"), Role.OBSERVER),
    )
    db.commit()
    return Table(partnership, membership, school, police, **people)


@pytest.fixture
def reload(db):
    """Read an agreement back from the database with what its status needs."""

    def load(agreement: Agreement) -> Agreement:
        db.expire_all()
        query = select(Agreement).where(Agreement.id == agreement.id).options(*DETAIL_LOAD)
        return db.scalars(query).one()

    return load
