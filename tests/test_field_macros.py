"""The field macros (templates/_macros/fields.html) write what WTForms' own widgets would: the
same elements, attributes, values and choices, on a blank form and on one sent back."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask import render_template_string
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Form, HiddenField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

MACROS = '{% from "_macros/fields.html" import checkbox, hidden, select, textarea %}'


class Sample(Form):
    notes = TextAreaField("Notes", validators=[Length(max=50)])
    note = TextAreaField("Note", validators=[DataRequired()])
    version = HiddenField()
    keep = BooleanField("Keep")
    owner = SelectField(
        "Owner", coerce=int, choices=[SelectChoice(0, "No one"), SelectChoice(7, "Ana <Ops>")]
    )
    meeting = SelectField(
        "Meeting",
        choices=[SelectChoice("1", "March"), SelectChoice("2", "April")],
        validators=[InputRequired()],
        render_kw={"required": False},
    )
    agency = SelectField(
        "Agency",
        choices=[SelectChoice("", "Choose"), SelectChoice("3", "Schools")],
        validators=[InputRequired()],
    )


class Elements(HTMLParser):
    """Each element as (tag, attributes, text inside), the way a browser reads them."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, dict, str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs), ""))

    def handle_data(self, data):
        if self.found:
            tag, attrs, text = self.found[-1]
            self.found[-1] = (tag, attrs, text + data)


def read(html) -> list[tuple[str, dict, str]]:
    # a browser drops one line break right after <textarea>, whether LF or CRLF
    return [
        (tag, attrs, text.replace("\r\n", "\n").removeprefix("\n") if tag == "textarea" else text)
        for tag, attrs, text in Elements(str(html)).found
    ]


@pytest.mark.parametrize(
    "sent",
    [
        None,
        MultiDict(
            {
                "notes": "\nBegins with a break <b>" + "x" * 60,
                "note": " ",
                "version": "4",
                "keep": "y",
                "owner": "7",
                "meeting": "2",
                "agency": "",
            }
        ),
    ],
    ids=["blank", "sent back"],
)
def test_the_macros_write_what_wtforms_would(app, sent):
    with app.test_request_context("/"):
        form = Sample(sent)
        if sent is not None:
            assert not form.validate()
        ours = render_template_string(
            MACROS
            + '{{ textarea(f.notes, "notes", 3) }}{{ textarea(f.note, "note", 2) }}'
            + '{{ hidden(f.version, "version") }}'
            + '{{ checkbox(f.keep, "keep") }}{{ select(f.owner) }}{{ select(f.meeting) }}'
            + "{{ select(f.agency) }}",
            f=form,
        )
        theirs = "".join(
            str(html)
            for html in (
                form.notes(
                    id="notes",
                    rows=3,
                    class_="form-control" + (" is-invalid" if form.notes.errors else ""),
                ),
                form.note(
                    id="note",
                    rows=2,
                    class_="form-control" + (" is-invalid" if form.note.errors else ""),
                ),
                form.version(id="version"),
                form.keep(id="keep", class_="form-check-input"),
                form.owner(class_="form-select"),
                form.meeting(class_="form-select"),
                form.agency(class_="form-select" + (" is-invalid" if form.agency.errors else "")),
            )
        )
    assert read(ours) == read(theirs)
