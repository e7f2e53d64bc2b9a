"""Routes of training and who may reach them."""

from datetime import date

from partnerhub.training.models import TrainingFormat, TrainingSession

ROUTES = {
    "training.index": "view",
    "training.new": "manage",
    "training.show": "view",
    "training.edit": "manage",
    "training.remove": "manage",
    "training.coverage": "view",
    "training.settings": "manage",
    "training.my_record": "login",
}

TRAINING = {
    "title": "Confidentiality laws for school and youth-serving staff",
    "frameworks": "ferpa",
    "held_on": "2026-02-10",
    "format": "in_person",
    "trainer": "Nora Fitzgerald, HIPAA consultant",
    "materials": "https://helena.example.org/training/slides.pdf",
    "attendees": lambda world: str(world.member.id),
}
FIELDS = ["title", "trainer", "materials"]
SETTINGS = {"current_months": "12", "needs_school": "ferpa", "needs_mental_health": "hipaa"}
FORMS = [
    ("training.new", TRAINING, FIELDS),
    ("training.edit", TRAINING, FIELDS),
    ("training.settings", SETTINGS, ["current_months"]),
]


def url_values(make, world) -> dict[str, dict]:
    """A training of the world partnership."""
    training = TrainingSession(
        partnership_id=world.partnership.id,
        title="FERPA essentials",
        frameworks=["ferpa"],
        held_on=date(2026, 2, 10),
        format=TrainingFormat.ONLINE,
        materials=[],
    )
    make.session.add(training)
    make.session.flush()
    values = {"training_id": training.id}
    return {"training.show": values, "training.edit": values, "training.remove": values}
