"""The forms of a training, and of the partnership's training settings."""

from __future__ import annotations

from urllib.parse import urlsplit

from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from partnerhub.forms import Form
from partnerhub.partnerships.models import Sector
from partnerhub.procedures.forms import CheckboxesField, unchosen_allowed
from partnerhub.procedures.models import Framework
from partnerhub.training.models import TrainingFormat
from partnerhub.training.services import MAX_MATERIALS, PolicyData, TrainingData

FRAMEWORK_CHOICES = [SelectChoice(f.value, f.label) for f in Framework]


class TrainingForm(Form):
    """A training held: what it covered, when, by whom, and who attended."""

    title = StringField(
        "Title",
        validators=[DataRequired("Give the training a title."), Length(max=200)],
        description="What it was, e.g. “Confidentiality laws for school and youth-serving staff”.",
    )
    frameworks = CheckboxesField(
        "Covered",
        choices=FRAMEWORK_CHOICES,
        validators=[DataRequired("Choose what the training covered.")],
    )
    held_on = DateField("Held on", validators=[InputRequired("Give the date it was held.")])
    format = SelectField(
        "Format",
        choices=[SelectChoice(f.value, f.label) for f in TrainingFormat],
        default=TrainingFormat.IN_PERSON.value,
    )
    trainer = StringField("Trainer", validators=[Length(max=200)])
    materials = TextAreaField(
        "Materials",
        validators=[Length(max=5000)],
        description=f"Links to the slides, handouts or course, one per line (at most "
        f"{MAX_MATERIALS}).",
    )
    attendees = CheckboxesField(
        "Who attended", coerce=int, choices=[], validators=[unchosen_allowed()]
    )

    def validate_materials(self, field) -> None:
        for link in _lines(field.data):
            parts = urlsplit(link)
            if parts.scheme not in ("http", "https") or not parts.netloc or len(link) > 500:
                raise ValidationError(f"“{link[:80]}” is not a full link (https://…).")
        if len(_lines(field.data)) > MAX_MATERIALS:
            raise ValidationError(f"List at most {MAX_MATERIALS} links.")

    def training_data(self) -> TrainingData:
        return TrainingData(
            title=self.title.data,
            frameworks=[Framework(v) for v in self.frameworks.data or [] if v],
            held_on=self.held_on.data,
            format=TrainingFormat(self.format.data),
            trainer=self.trainer.data or "",
            materials=_lines(self.materials.data),
            attendee_ids=list(self.attendees.data or []),
        )


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class TrainingSettingsForm(Form):
    """How long a training stays current, and which frameworks each kind of agency needs."""

    current_months = IntegerField(
        "A training stays current for (months)",
        validators=[
            InputRequired("Give a number of months."),
            NumberRange(1, 60, "Choose between 1 and 60 months."),
        ],
    )

    def needs_field(self, sector: Sector):
        return self[f"needs_{sector.value}"]

    def policy_data(self) -> PolicyData:
        return PolicyData(
            current_months=self.current_months.data,
            requirements={
                sector: [Framework(v) for v in self.needs_field(sector).data or [] if v]
                for sector in Sector
            },
        )


for _sector in Sector:
    setattr(
        TrainingSettingsForm,
        f"needs_{_sector.value}",
        CheckboxesField(_sector.label, choices=FRAMEWORK_CHOICES, validators=[unchosen_allowed()]),
    )
