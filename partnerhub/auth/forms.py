"""Account forms."""

from __future__ import annotations

import zoneinfo
from functools import cache

from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from partnerhub.auth.services import EMAIL_MAX_LENGTH, PASSWORD_MIN_LENGTH
from partnerhub.forms import Form

# The zones most partnerships and their people live in, offered first.
COMMON_TIMEZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "UTC",
)


@cache
def timezone_choices() -> dict[str, list[tuple[str, str]]]:
    """The time zone select: common zones first, then every other IANA zone (each zone once,
    so a select shows one of them chosen)."""
    others = sorted(zoneinfo.available_timezones() - set(COMMON_TIMEZONES))
    return {
        "Common": [(name, name.replace("_", " ")) for name in COMMON_TIMEZONES],
        "All other time zones": [(name, name.replace("_", " ")) for name in others],
    }


def email_field() -> EmailField:
    return EmailField(
        "Email",
        validators=[DataRequired(), Email(), Length(max=EMAIL_MAX_LENGTH)],
    )


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    """A new password and its repetition."""
    return (
        PasswordField(
            "New password",
            validators=[
                DataRequired(),
                Length(
                    min=PASSWORD_MIN_LENGTH,
                    max=200,
                    message=f"Use at least {PASSWORD_MIN_LENGTH} characters, and at most 200.",
                ),
            ],
            description=f"At least {PASSWORD_MIN_LENGTH} characters; "
            f"several unrelated words work well.",
        ),
        PasswordField(
            "Repeat the new password",
            validators=[DataRequired(), EqualTo("password", "The two passwords differ.")],
        ),
    )


class LoginForm(Form):
    # A lookup, not an address being recorded: whatever is typed is looked up, and an unknown
    # or malformed one fails exactly like a wrong password.
    email = StringField(
        "Email",
        validators=[DataRequired()],
        render_kw={"autocomplete": "username", "inputmode": "email", "autocapitalize": "none"},
    )
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me logged in on this device (30 days)")
    submit = SubmitField("Log in")


class ForgotPasswordForm(Form):
    email = email_field()
    submit = SubmitField("Email me a link")


class ResetPasswordForm(Form):
    password, confirm = new_password_fields()
    submit = SubmitField("Set password")


class ProfileForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    timezone = SelectField(
        "Time zone",
        choices=timezone_choices,
        description="Meeting times are also shown in this zone when the partnership's differs.",
    )
    submit = SubmitField("Save")


class ChangePasswordForm(Form):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=200)]
    )
    password, confirm = new_password_fields()
    submit = SubmitField("Change password")


class UserForm(Form):
    email = email_field()
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    timezone = SelectField("Time zone", choices=timezone_choices, default="America/Denver")
    admin = BooleanField("Site administrator (manages accounts)")
    submit = SubmitField("Create and email a link")


class LoginCodeForm(Form):
    code = StringField(
        "Code",
        validators=[DataRequired(), Length(max=40)],
        description="The 6-digit code your authenticator app shows, or one of your recovery codes.",
        render_kw={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"},
    )
    submit = SubmitField("Verify")


class EnrolTwoFactorForm(Form):
    code = StringField(
        "Code from your app",
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField("Turn on")


class DisableTwoFactorForm(Form):
    # Distinct ids: the account page also shows the change-password form's fields.
    password = PasswordField(
        "Your password", id="disable-password", validators=[DataRequired(), Length(max=200)]
    )
    submit = SubmitField("Turn off two-factor authentication")


class RecoveryCodesForm(Form):
    password = PasswordField(
        "Your password", id="recovery-password", validators=[DataRequired(), Length(max=200)]
    )
    submit = SubmitField("Make new recovery codes")
