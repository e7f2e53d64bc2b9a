"""The demo partnership's own shelf: the training it gave, and its release procedure."""

from __future__ import annotations

from sqlalchemy.orm import Session

from partnerhub.library import services
from partnerhub.library.models import ResourceKind
from partnerhub.procedures.models import Framework

RESOURCES = [
    services.ResourceData(
        title="Confidentiality laws for school and youth-serving staff (training slides)",
        kind=ResourceKind.TRAINING,
        frameworks=[Framework.FERPA, Framework.HIPAA, Framework.PART2, Framework.STATE_CODE],
        publisher="Helena Public Schools and the HIPAA consultant",
        summary="The essentials of HIPAA, FERPA, federal drug and alcohol confidentiality law "
        "and Montana code, as the partnership trains staff each fall.",
        url="https://helena.example.org/partnership/confidentiality-training",
    ),
    services.ResourceData(
        title="Joint release of information: procedure to start from",
        kind=ResourceKind.TEMPLATE,
        frameworks=[Framework.FERPA, Framework.HIPAA],
        publisher="Lewis and Clark County Youth Information Partnership",
        summary="The partnership's one release form for schools and mental health, as a "
        "procedure any agency can adapt.",
        body_markdown="# Sharing with the joint release\n\n"
        "1. Check that the family signed the joint release, and what it covers.\n"
        "2. Share only the categories the release names, through the liaison.\n"
        "3. Record who received what, and when.\n",
    ),
]


def extend(session: Session, world) -> None:
    """Add the partnership's own resources to its library."""
    for data in RESOURCES:
        services.add_resource(
            session, world.facilitator.user, world.partnership.id, data, world.now
        )
