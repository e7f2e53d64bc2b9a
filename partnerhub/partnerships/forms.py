"""Forms of the partnerships module."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from partnerhub.auth.forms import timezone_choices
from partnerhub.forms import Form
from partnerhub.partnerships.models import Role, Sector


def _int_or_zero(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class PartnershipForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    community = StringField(
        "Community", validators=[DataRequired(), Length(max=200)], description="e.g. Helena, MT"
    )
    purpose = TextAreaField(
        "Purpose statement",
        validators=[Optional(), Length(max=5000)],
        description="Why these agencies are at the table.",
    )
    timezone = SelectField(
        "Time zone",
        default="America/Denver",
        choices=timezone_choices,
        description="Where the partnership meets: meetings and due dates are in this zone.",
    )
    absence_flag_after = IntegerField(
        "Flag an agency absent from this many meetings in a row",
        default=3,
        validators=[
            InputRequired(message="Enter a number of meetings."),
            NumberRange(1, 12, message="Enter a number from 1 to 12."),
        ],
        description="Its liaison and the facilitators are emailed. How often the partnership "
        "meets comes from its meeting series (Meetings tab).",
    )
    submit = SubmitField("Save")


SECTOR_CHOICES = [(s.value, s.label) for s in Sector]


class AgencyForm(Form):
    organization = SelectField(
        "Organization",
        coerce=_int_or_zero,
        default=0,
        description="Pick one, or create a new one below.",
    )
    name = StringField("New organization's name", validators=[Optional(), Length(max=200)])
    sector = SelectField("Sector", default=Sector.SCHOOL.value)
    sector_label = StringField(
        "Sector, when 'Other'",
        validators=[Optional(), Length(max=100)],
        description="e.g. Substance-abuse treatment, Public health",
    )
    submit = SubmitField("Add agency")

    def __init__(self, organizations, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sector.choices = SECTOR_CHOICES
        self.organization.choices = [(0, "A new organization…")] + [
            (o.id, f"{o.name} ({o.sector_display})") for o in organizations
        ]

    def validate_name(self, field):
        if not self.organization.data and not (field.data or "").strip():
            raise ValidationError("Give the new organization's name, or pick one above.")

    def validate_sector_label(self, field):
        creating = not self.organization.data
        if creating and self.sector.data == Sector.OTHER.value and not (field.data or "").strip():
            raise ValidationError("Say what kind of organization it is.")


class ContactsForm(Form):
    liaison = SelectField("Liaison", coerce=_int_or_zero, default=0)
    alternate = SelectField("Alternate", coerce=_int_or_zero, default=0)
    submit = SubmitField("Save contacts")

    def __init__(self, members, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(0, "Nobody yet")] + [(m.id, m.user.name) for m in members]
        self.liaison.choices = self.alternate.choices = choices

    def validate_alternate(self, field):
        if field.data and field.data == self.liaison.data:
            raise ValidationError("The alternate must be someone other than the liaison.")


ROLE_CHOICES = [(r.value, r.label) for r in Role]


class RosterEntryForm(Form):
    role = SelectField("Role", default=Role.MEMBER.value)
    agency = SelectField("Agency represented", coerce=_int_or_zero, default=0)
    position = StringField(
        "Position or title",
        validators=[Optional(), Length(max=120)],
        description="e.g. School Resource Officer, Deputy County Attorney",
    )
    is_legal_advisor = BooleanField("Legal advisor")
    is_signatory = BooleanField("Signs the agreement for the agency")
    submit = SubmitField("Save")

    def __init__(self, agencies, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = ROLE_CHOICES
        self.agency.choices = [(0, "No agency")] + [(a.id, a.organization.name) for a in agencies]


class InvitationForm(RosterEntryForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    submit = SubmitField("Send invitation")


class AbsenceForm(Form):
    reason = TextAreaField(
        "Why is this sector not at the table?",
        validators=[Optional(), Length(max=2000)],
        description="Leave empty to clear a recorded reason.",
    )
    submit = SubmitField("Save reason")


class TickForm(Form):
    note = StringField("Note", validators=[Optional(), Length(max=500)])


class StageForm(Form):
    reason = TextAreaField("Reason", validators=[Optional(), Length(max=2000)])


class NewAccountForm(Form):
    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )
    submit = SubmitField("Join the partnership")


class AcceptForm(Form):
    submit = SubmitField("Accept the invitation")
