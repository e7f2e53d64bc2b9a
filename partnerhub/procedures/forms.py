"""Forms of the procedures module: matrix rows, procedure edits, sign-offs, change requests."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from partnerhub.forms import Form, id_or_none
from partnerhub.identifiers import KeepAsWritten
from partnerhub.procedures.models import DataCategory, LegalBasis
from partnerhub.procedures.services import FlowData, ProcedureText

NO_NAMES = "Describe kinds of information and situations; never name a young person."


def agency_choices(agencies, first: str | None = None) -> list[SelectChoice]:
    """Agencies as options, named with their sector so a reader knows which system is which;
    `first` is an empty option leading them (a required choice starts unmade)."""
    leading = [SelectChoice("", first)] if first else []
    return leading + _choices(
        (a.id, f"{a.organization.name} ({a.organization.sector_display})") for a in agencies
    )


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _optional_int(value):
    """Select values where "" means none chosen."""
    if value in (None, "", "None"):
        return None
    return int(value)


def unchosen_allowed() -> Optional:
    """A choice that may be left out; unlike a bare Optional(), whitespace such as "\r" is
    not taken for "none" and still meets the "not a valid choice" check."""
    return Optional(strip_whitespace=False)


def _categories_field(label: str):
    return CheckboxesField(
        label,
        choices=_choices((c.value, c.label) for c in DataCategory),
        validators=[DataRequired("Choose at least one kind of information.")],
    )


class FlowForm(Form):
    """One row of the information-sharing matrix."""

    from_agency_id = SelectField(
        "From agency", coerce=_optional_int, validators=[InputRequired("Choose the sender.")]
    )
    to_agency_id = SelectField("To agency", coerce=_optional_int, validators=[unchosen_allowed()])
    to_role = StringField(
        "To role",
        validators=[Length(max=200)],
        description="A role that receives it, e.g. “School Resource Officer” (with or without "
        "an agency).",
    )
    data_categories = _categories_field("Information shared")
    trigger = TextAreaField(
        "When", validators=[Length(max=2000)], description="The event or schedule that starts it."
    )
    legal_basis = SelectField(
        "Legal basis",
        choices=_choices(
            [("", "— not decided yet (a gap) —")] + [(b.value, b.label) for b in LegalBasis]
        ),
        validators=[unchosen_allowed()],
    )
    statute_citation = StringField(
        "Statute citation",
        validators=[Length(max=200)],
        description="Needed for a state statute, e.g. “C.R.S. 19-1-303” or “MCA 52-2-211”.",
    )
    consent_required = BooleanField("Written consent or authorization needed")
    certification_required = BooleanField("Written certification needed")
    procedure_id = SelectField(
        "Governing procedure", coerce=_optional_int, validators=[unchosen_allowed()]
    )
    notes = TextAreaField("Notes", validators=[Length(max=4000)], description=NO_NAMES)

    def set_choices(self, senders, agencies, procedures) -> None:
        self.from_agency_id.choices = agency_choices(senders, first="Choose the sender")
        self.to_agency_id.choices = _choices([("", "— a role only —")]) + agency_choices(agencies)
        self.procedure_id.choices = _choices(
            [("", "— none yet (a gap) —")] + [(p.id, p.title) for p in procedures]
        )

    def flow_data(self) -> FlowData:
        return FlowData(
            from_agency_id=self.from_agency_id.data,
            to_agency_id=self.to_agency_id.data,
            to_role=self.to_role.data or "",
            data_categories=[DataCategory(v) for v in self.data_categories.data],
            trigger=self.trigger.data or "",
            legal_basis=LegalBasis(self.legal_basis.data) if self.legal_basis.data else None,
            statute_citation=self.statute_citation.data or "",
            consent_required=self.consent_required.data,
            certification_required=self.certification_required.data,
            procedure_id=self.procedure_id.data,
            notes=self.notes.data or "",
        )


class ProcedureForm(KeepAsWritten, Form):
    """A procedure's text and settings; saving makes a new version."""

    title = StringField(
        "Title", validators=[DataRequired("Give the procedure a title."), Length(max=200)]
    )
    body_markdown = TextAreaField(
        "Procedure",
        validators=[DataRequired("Write the procedure."), Length(max=100_000)],
        description="Markdown: # headings, 1. numbered steps, **bold**, [links](https://…). "
        + NO_NAMES,
    )
    legal_bases = CheckboxesField(
        "Legal bases",
        choices=_choices((b.value, b.label) for b in LegalBasis),
        validators=[unchosen_allowed()],
    )
    review_cadence_months = IntegerField(
        "Review every (months)",
        default=12,
        validators=[
            InputRequired("Say how often it is reviewed."),
            NumberRange(1, 60, "Between 1 and 60 months."),
        ],
    )
    change_summary = StringField(
        "What changed",
        validators=[DataRequired("Say what changed in this version."), Length(max=500)],
    )

    def procedure_text(self) -> ProcedureText:
        return ProcedureText(
            title=self.title.data,
            body_markdown=self.body_markdown.data.replace("\r\n", "\n"),
            change_summary=self.change_summary.data,
            legal_bases=[LegalBasis(v) for v in self.legal_bases.data],
            review_cadence_months=self.review_cadence_months.data,
            keep_reason=self.kept_reason,
        )


class NewProcedureForm(ProcedureForm):
    """A new procedure also names the agency that owns it."""

    owning_agency_id = SelectField(
        "Owning agency", coerce=_optional_int, validators=[InputRequired("Choose the owner.")]
    )
    change_summary = StringField(
        "What changed", default="First version", validators=[Length(max=500)]
    )

    def procedure_text(self) -> ProcedureText:
        text = super().procedure_text()
        text.change_summary = text.change_summary or "First version"
        return text


class SignOffForm(Form):
    """Sign a version off for one agency."""

    agency_id = HiddenField()

    @property
    def agency(self) -> int | None:
        """The agency chosen, or None to sign for the one agency the signer represents."""
        return id_or_none(self.agency_id.data)


class RecordSignOffsForm(Form):
    """Record several agencies' sign-offs at once (on their behalf, for a facilitator)."""

    agencies = CheckboxesField(
        "Agencies whose sign-off to record",
        coerce=int,
        validators=[DataRequired("Choose at least one agency whose sign-off to record.")],
    )

    def set_agencies(self, agencies) -> None:
        self.agencies.choices = _choices((a.id, a.organization.name) for a in agencies)


class ChangeRequestForm(KeepAsWritten, Form):
    """Ask for changes to a version in review."""

    comment = TextAreaField(
        "What should change",
        validators=[DataRequired("Say what should change."), Length(max=4000)],
        description=NO_NAMES,
    )
