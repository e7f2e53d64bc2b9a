"""Forms of the notifications module: email preferences and flag acknowledgements."""

from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from partnerhub.forms import Form
from partnerhub.identifiers import KeepAsWritten
from partnerhub.notifications.models import ReminderKind


class PreferencesForm(Form):
    """One checkbox per reminder kind."""

    meeting_reminder = BooleanField(ReminderKind.MEETING_REMINDER.label)
    meeting_change = BooleanField(ReminderKind.MEETING_CHANGE.label)
    agreement_renewal = BooleanField(ReminderKind.AGREEMENT_RENEWAL.label)
    procedure_review = BooleanField(ReminderKind.PROCEDURE_REVIEW.label)
    action_item_overdue = BooleanField(ReminderKind.ACTION_ITEM_OVERDUE.label)
    sign_off_request = BooleanField(ReminderKind.SIGN_OFF_REQUEST.label)
    training_lapse = BooleanField(ReminderKind.TRAINING_LAPSE.label)
    daily_digest = BooleanField(ReminderKind.DAILY_DIGEST.label)
    final_minutes = BooleanField(ReminderKind.FINAL_MINUTES.label)
    agency_absence = BooleanField(ReminderKind.AGENCY_ABSENCE.label)
    submit = SubmitField("Save preferences")

    def choices(self) -> dict[ReminderKind, bool]:
        return {kind: bool(self[kind.value].data) for kind in ReminderKind}


class AcknowledgeFlagForm(KeepAsWritten, Form):
    """A facilitator's note on what is being done about a flag."""

    note = TextAreaField(
        "What is being done about it",
        validators=[
            DataRequired("Say in a note what is being done about it."),
            Length(max=2000),
        ],
    )
    submit = SubmitField("Acknowledge")
