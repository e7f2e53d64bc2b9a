"""The base of every form: one-line text stays on one line, and no text holds a NUL.

A name or title ends up in email subjects, calendar files and CSV cells, where a line break
starts a new header or field: one-line fields (every StringField but text areas and passwords)
refuse line breaks and other control characters. NUL is refused in every text field, text
areas included: PostgreSQL cannot store it, and nobody types one on purpose. Refusing (rather
than quietly removing) shows the person what was wrong and keeps what they typed. Whole
numbers larger than a database INTEGER are refused too.
"""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import Form as PlainForm
from wtforms import IntegerField, PasswordField, StringField, SubmitField, TextAreaField
from wtforms.validators import StopValidation

from partnerhub.text import has_control_characters


def single_line(form, field) -> None:
    """Refuse line breaks, tabs and other control characters in one-line text."""
    if isinstance(field.data, str) and has_control_characters(field.data):
        raise StopValidation("Remove the line breaks and other control characters.")


def no_nul(form, field) -> None:
    """Refuse the NUL character, which the database cannot store."""
    if isinstance(field.data, str) and "\x00" in field.data:
        raise StopValidation(
            "Remove the invisible NUL control characters (often pasted from another program)."
        )


# The largest id or count a database INTEGER column holds.
LARGEST_INTEGER = 2**31 - 1


def storable_number(form, field) -> None:
    """Refuse whole numbers too large to compare or store (thousands of digits parse)."""
    if isinstance(field.data, int) and abs(field.data) > LARGEST_INTEGER:
        raise StopValidation("Enter a smaller number.")


def id_or_none(text: str | None) -> int | None:
    """An id typed or sent as text ("12"), or None when it is not one a row could have."""
    text = (text or "").strip()
    if text.isascii() and text.isdigit() and int(text) <= LARGEST_INTEGER:
        return int(text)
    return None


def input_check(field):
    """The check a bound field's input needs, or None for fields that parse it safely."""
    if isinstance(field, IntegerField):
        return storable_number
    if isinstance(field, TextAreaField | PasswordField):
        return no_nul
    if isinstance(field, StringField):
        return single_line
    return None


def kebab(name: str) -> str:
    """ChangePasswordForm -> change-password-form."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


class SafeTextMeta:
    """Binds every field with the check its kind of text needs (see the module's docstring)."""

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        if isinstance(field, SubmitField):
            # Named after its form, so that two forms on one page do not share the id "submit".
            field.id = f"{kebab(type(form).__name__)}-{field.name}"
        check = input_check(field)
        if check is not None:
            # First, and stopping the chain: Optional() would otherwise wave "\r\n" through
            # as empty and clear the error.
            field.validators = [check, *field.validators]
        return field


class Form(FlaskForm):
    """A form of the app (with CSRF protection)."""

    Meta = SafeTextMeta


class Subform(PlainForm):
    """A form nested in another (FormField): the outer form carries the CSRF token."""

    Meta = SafeTextMeta
