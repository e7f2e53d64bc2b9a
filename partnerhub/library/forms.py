"""The form for a resource, site-wide or a partnership's."""

from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField, URLField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, Optional

from partnerhub.forms import Form
from partnerhub.library.models import ResourceKind
from partnerhub.library.services import ResourceData
from partnerhub.procedures.forms import CheckboxesField, unchosen_allowed
from partnerhub.procedures.models import Framework


class ResourceForm(Form):
    title = StringField("Title", validators=[DataRequired("Give it a title."), Length(max=200)])
    kind = SelectField(
        "Kind", choices=[SelectChoice(k.value, k.label) for k in ResourceKind], default="guidance"
    )
    frameworks = CheckboxesField(
        "Covers",
        choices=[SelectChoice(f.value, f.label) for f in Framework],
        validators=[unchosen_allowed()],
    )
    publisher = StringField("Published by", validators=[Length(max=200)])
    summary = TextAreaField("What it is for", validators=[Length(max=4000)])
    url = URLField(
        "Link",
        validators=[Optional(), URL(message="Enter a full link (https://…)."), Length(max=500)],
    )
    body_markdown = TextAreaField(
        "Text to start from",
        validators=[Length(max=100_000)],
        description="For a template or sample agreement: the text a new draft starts with "
        "(Markdown). Use placeholders such as [Agency], never a youth's details.",
    )

    def validate_url(self, field) -> None:
        if not (field.data or "").strip() and not (self.body_markdown.data or "").strip():
            raise ValidationError("Give a link, or the text of the template.")

    def resource_data(self) -> ResourceData:
        return ResourceData(
            title=self.title.data,
            kind=ResourceKind(self.kind.data),
            frameworks=[Framework(value) for value in self.frameworks.data or [] if value],
            publisher=self.publisher.data or "",
            summary=self.summary.data or "",
            url=self.url.data or "",
            body_markdown=(self.body_markdown.data or "").replace("\r\n", "\n"),
        )
