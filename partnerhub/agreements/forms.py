"""Agreement forms: terms of a draft, a signature, a termination, a signed document."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from partnerhub.agreements import clauses, vocabulary
from partnerhub.agreements.models import AgreementKind, RenewalRule
from partnerhub.agreements.services import Terms
from partnerhub.forms import Form


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AgreementForm(Form):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        "Kind", choices=choices((k.value, k.label) for k in AgreementKind), coerce=AgreementKind
    )
    purpose = TextAreaField(
        "Purpose",
        validators=[Length(max=5000)],
        description="Why these agencies share information, in a few sentences. "
        "No names of youth or case details.",
    )
    parties = CheckboxesField("Parties", coerce=int)
    flows = CheckboxesField("Sharing-matrix flows it covers", coerce=int)
    legal_bases = CheckboxesField("Legal bases")
    data_categories = CheckboxesField("Data categories")
    effective_on = DateField("Effective date", validators=[Optional()])
    expires_on = DateField(
        "Expiry date",
        validators=[Optional()],
        description="The first day it is no longer in force. Leave empty if it has no end.",
    )
    renewal_notice_days = IntegerField(
        "Renewal notice (days before expiry)",
        default=90,
        validators=[InputRequired(), NumberRange(min=0, max=730)],
    )
    renewal_rule = SelectField(
        "Renewal", choices=choices((r.value, r.label) for r in RenewalRule), coerce=RenewalRule
    )
    review_on = DateField(
        "Annual review date",
        validators=[Optional()],
        description="When the parties review it together, apart from renewal. "
        "Leave empty for a year after the effective date.",
    )
    submit = SubmitField("Save draft")

    def __init__(self, agencies, flows, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.parties.choices = choices((a.id, a.organization.name) for a in agencies)
        self.flows.choices = choices((f.id, vocabulary.flow_label(f)) for f in flows)
        self.legal_bases.choices = choices(vocabulary.legal_basis_choices())
        self.data_categories.choices = choices(vocabulary.data_category_choices())

    def validate_expires_on(self, field) -> None:
        if field.data and self.effective_on.data and field.data <= self.effective_on.data:
            raise ValidationError("The expiry date must come after the effective date.")

    def validate_review_on(self, field) -> None:
        if field.data and self.effective_on.data and field.data <= self.effective_on.data:
            raise ValidationError("The annual review date must come after the effective date.")

    def fill(self, terms: Terms) -> None:
        """Show an agreement's terms in the form."""
        for name, value in vars(terms).items():
            if name == "party_agency_ids":
                self.parties.data = value
            elif name == "flow_ids":
                self.flows.data = value
            else:
                getattr(self, name).data = value

    def terms(self) -> Terms:
        return Terms(
            title=self.title.data.strip(),
            kind=self.kind.data,
            purpose=(self.purpose.data or "").strip(),
            party_agency_ids=self.parties.data or [],
            flow_ids=self.flows.data or [],
            legal_bases=self.legal_bases.data or [],
            data_categories=self.data_categories.data or [],
            effective_on=self.effective_on.data,
            expires_on=self.expires_on.data,
            renewal_notice_days=self.renewal_notice_days.data,
            renewal_rule=self.renewal_rule.data,
            review_on=self.review_on.data,
        )


class SignatureForm(Form):
    signer_name = StringField("Signer's name", validators=[DataRequired(), Length(max=120)])
    signer_title = StringField(
        "Signer's title", validators=[DataRequired(), Length(max=120)], description="e.g. Chief"
    )
    signed_on = DateField("Date signed", validators=[DataRequired()])
    correction = TextAreaField(
        "What this corrects",
        validators=[Length(max=1000)],
        description="Only when replacing a signature already recorded for this agency.",
    )
    submit = SubmitField("Record signature")


class SignaturesForm(Form):
    """Several parties' signatures in one step: one row per party yet to sign (whether to
    record it, who signed for it), one date for all. Rows are added by `for_parties`."""

    signed_on = DateField("Date signed", validators=[DataRequired()])
    submit = SubmitField("Record the chosen signatures")

    @classmethod
    def for_parties(cls, parties, **kwargs) -> SignaturesForm:
        """The form with a row for each of `parties`."""

        class Rows(cls):
            pass

        for party in parties:
            name = party.partner_agency.organization.name
            setattr(Rows, f"record_{party.id}", BooleanField(f"Record {name}'s signature"))
            setattr(
                Rows,
                f"name_{party.id}",
                StringField(f"Signer's name for {name}", validators=[Length(max=120)]),
            )
            setattr(
                Rows,
                f"title_{party.id}",
                StringField(f"Signer's title for {name}", validators=[Length(max=120)]),
            )
        form = Rows(**kwargs)
        form.parties = list(parties)
        return form

    def rows(self):
        """(party, record checkbox, name field, title field) for each party offered."""
        return [
            (p, self[f"record_{p.id}"], self[f"name_{p.id}"], self[f"title_{p.id}"])
            for p in self.parties
        ]

    def chosen(self):
        """(party, signer's name, signer's title) for each party ticked."""
        return [
            (party, name.data.strip(), title.data.strip())
            for party, ticked, name, title in self.rows()
            if ticked.data
        ]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        rows = self.rows()
        if not any(ticked.data for _, ticked, _, _ in rows):
            self.form_errors.append("Choose at least one agency whose signature to record.")
            return False
        for _, ticked, name, title in rows:
            for field in (name, title) if ticked.data else ():
                if not (field.data or "").strip():
                    field.errors = [*field.errors, "Say who signed, as on the signed copy."]
                    valid = False
        return valid


class WithdrawSignatureForm(Form):
    reason = StringField("Why withdraw it", validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField("Withdraw signature")


class TerminateForm(Form):
    terminated_on = DateField("Terminated as of", validators=[DataRequired()])
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField("Terminate agreement")


class DocumentForm(Form):
    file = FileField(
        "Signed document",
        validators=[FileRequired("Choose a file.")],
        description="PDF or Word (.docx).",
    )
    submit = SubmitField("Attach")


class ClausesForm(Form):
    """Every clause of a draft, one text area each (built from clauses.CLAUSES)."""

    submit = SubmitField("Save clauses")

    def texts(self) -> dict[str, str]:
        return {c.attr: (getattr(self, c.attr).data or "") for c in clauses.CLAUSES}

    def fill(self, agreement) -> None:
        for clause in clauses.CLAUSES:
            getattr(self, clause.attr).data = getattr(agreement, clause.attr)


for _clause in clauses.CLAUSES:
    setattr(
        ClausesForm,
        _clause.attr,
        TextAreaField(_clause.heading, validators=[Length(max=20000)], description=_clause.covers),
    )


class MatrixDraftForm(Form):
    flows = CheckboxesField("Flows it covers", coerce=int)
    submit = SubmitField("Draft from the sharing matrix")

    def __init__(self, flows, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.flows.choices = choices((f.id, vocabulary.flow_label(f)) for f in flows)

    def validate_flows(self, field) -> None:
        if not field.data:
            raise ValidationError("Choose at least one flow of the sharing matrix.")


class ReviewForm(Form):
    reviewed_on = DateField("Date of the review", validators=[DataRequired()])
    submit = SubmitField("Record the annual review")


class AmendmentForm(Form):
    agency = SelectField("Joining agency", coerce=int, validators=[InputRequired()])
    flows = CheckboxesField("Flows it adds (optional)", coerce=int)
    text = TextAreaField(
        "Wording",
        validators=[Length(max=20000)],
        description="Leave empty for the standard wording: the agency joins on every term, "
        "for the rest of the term.",
    )
    submit = SubmitField("Draft the amendment")

    def __init__(self, agencies, flows, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.agency.choices = choices((a.id, a.organization.name) for a in agencies)
        self.flows.choices = choices((f.id, vocabulary.flow_label(f)) for f in flows)


class AmendmentSignatureForm(Form):
    signer_name = StringField("Signer's name", validators=[DataRequired(), Length(max=120)])
    signer_title = StringField("Signer's title", validators=[DataRequired(), Length(max=120)])
    signed_on = DateField("Date signed", validators=[DataRequired()])
    submit = SubmitField("Record signature")
