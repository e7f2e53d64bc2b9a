"""The demo partnership's training, as the Helena group gave it: school and youth-serving
staff trained on HIPAA, FERPA, federal drug and alcohol confidentiality law and state code,
then on the partnership's own release procedure; one agency's refresher has lapsed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from partnerhub.partnerships.models import Sector
from partnerhub.partnerships.services import local_today
from partnerhub.procedures.models import Framework
from partnerhub.training import queries, services
from partnerhub.training.models import DEFAULT_CURRENT_MONTHS, TrainingFormat

# (days ago, title, frameworks, format, trainer, materials, attendees by name)
TRAININGS = (
    (
        330,
        "Confidentiality laws for school and youth-serving staff",
        [Framework.FERPA, Framework.HIPAA, Framework.PART2, Framework.STATE_CODE],
        TrainingFormat.IN_PERSON,
        "Nora Fitzgerald (HIPAA consultant), David Chen (district counsel), "
        "Rachel Moore (Deputy County Attorney)",
        ["https://helena.example.org/partnership/confidentiality-training"],
        (
            "Maria Alvarez",
            "David Chen",
            "Sarah Whitfield",
            "Tom Becker",
            "Rachel Moore",
            "Kevin O'Brien",
            "Angela Sorensen",
            "Ben Tallbull",
        ),
    ),
    (
        430,
        "42 CFR Part 2 and Montana code for treatment staff",
        [Framework.PART2, Framework.STATE_CODE],
        TrainingFormat.SELF_PACED,
        "Capital Area Recovery Services compliance office",
        ["https://www.ecfr.gov/current/title-42/chapter-I/subchapter-A/part-2"],
        ("Paul Rasmussen",),
    ),
    (
        40,
        "Our joint release of information, step by step",
        [Framework.PROCEDURES, Framework.FERPA, Framework.HIPAA],
        TrainingFormat.ONLINE,
        "Maria Alvarez",
        [],
        ("Maria Alvarez", "Tom Becker", "Angela Sorensen", "Ben Tallbull", "Rachel Moore"),
    ),
)


def extend(session: Session, world) -> None:
    """Record the partnership's trainings, and say that treatment staff need Part 2."""
    actor = world.facilitator.user
    requirements = {s: list(f) for s, f in queries.DEFAULT_REQUIREMENTS.items()}
    requirements[Sector.OTHER] = [Framework.PART2, Framework.STATE_CODE, Framework.PROCEDURES]
    services.save_policy(
        session,
        actor,
        world.partnership,
        services.PolicyData(DEFAULT_CURRENT_MONTHS, requirements),
        world.now,
    )
    by_name = {m.user.name: m.id for m in world.members}
    today = local_today(world.partnership, world.now)
    for days_ago, title, frameworks, kind, trainer, materials, attendees in TRAININGS:
        services.record_training(
            session,
            actor,
            world.partnership,
            services.TrainingData(
                title=title,
                frameworks=frameworks,
                held_on=today - timedelta(days=days_ago),
                format=kind,
                trainer=trainer,
                materials=materials,
                attendee_ids=[by_name[name] for name in attendees],
            ),
            world.now,
        )
