"""The confirmation a form shows when its text may identify a youth."""

from __future__ import annotations

from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length, ValidationError


class KeepAsWritten:
    """Mixin for forms whose text is screened: "Keep as written" and the reason why."""

    keep_as_written = BooleanField("Keep as written: it must stay, and I say why below")
    keep_reason = TextAreaField("Why it must stay", validators=[Length(max=500)])

    def validate_keep_reason(self, field) -> None:
        if self.keep_as_written.data and not (field.data or "").strip():
            raise ValidationError("Say why the text must stay as written.")

    @property
    def kept_reason(self) -> str | None:
        """The reason to keep flagged text, when the person confirmed it."""
        return self.keep_reason.data.strip() if self.keep_as_written.data else None
