"""One-line text stays on one line, and no form lets a NUL reach the database.

Every form derives from the shared base (partnerhub/forms.py); a line break or other control
character typed into a one-line field is refused with a message and the form comes back with
what was typed; NUL, which PostgreSQL text cannot hold, is refused in every field.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import unicodedata

import pytest
import sqlalchemy as sa
from markupsafe import escape
from wtforms.form import BaseForm

import partnerhub
from partnerhub.models import metadata
from tests.test_forms_fuzz import declared_forms, filled, visit

INJECTION = "X\r\nBcc: v@evil.example"
REFUSED = "Remove the line breaks and other control characters."


def app_form_classes() -> list[type]:
    """Every form class defined in a partnerhub.*.forms module."""
    classes = []
    # Packages only: a top-level module may do work on import (wsgi builds and checks the app).
    for module_info in pkgutil.iter_modules(partnerhub.__path__):
        if not module_info.ispkg:
            continue
        try:
            module = importlib.import_module(f"partnerhub.{module_info.name}.forms")
        except ModuleNotFoundError:
            continue
        classes += [
            cls
            for _name, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, BaseForm) and cls.__module__ == module.__name__
        ]
    return classes


def test_every_form_of_the_app_derives_from_the_shared_base():
    from partnerhub.forms import Form, Subform

    classes = app_form_classes()
    assert len(classes) > 30
    assert [c.__qualname__ for c in classes if not issubclass(c, (Form, Subform))] == []


def one_line_columns() -> list[sa.Column]:
    """Columns of bounded text (String, not Text): names, titles, places, emails."""
    return [
        column
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, sa.String) and not isinstance(column.type, sa.Text | sa.Enum)
    ]


def with_control_characters(db) -> list[tuple[str, str]]:
    """(column, value) of every stored one-line value holding a control character."""
    found = []
    for column in one_line_columns():
        for value in db.scalars(sa.select(column).where(column.is_not(None))):
            if any(unicodedata.category(c) in ("Cc", "Cs") for c in value):
                found.append((str(column), value))
    return found


@pytest.mark.parametrize(
    ("endpoint", "valid", "kept"), declared_forms(), ids=[f[0] for f in declared_forms()]
)
def test_no_form_stores_a_line_break_in_a_one_line_column(
    app, client, db, make, login_as, endpoint, valid, kept
):
    url, world = visit(app, make, db, login_as, endpoint)
    valid = filled(valid, world)
    for name in valid:
        # Appended to what was valid, and alone: Optional() takes "\r\n" for an empty field.
        for typed in (valid[name] + INJECTION, "\r\n\t"):
            response = client.post(url, data={**valid, name: typed})
            assert response.status_code < 500, f"{name}={typed!r}: {response.status_code}"
    db.expire_all()
    assert with_control_characters(db) == []


# (endpoint, the one-line field a person could fill with a line break)
TITLES = [
    ("partnerships.edit_partnership", "name"),
    ("partnerships.add_agency", "name"),
    ("partnerships.invite", "name"),
    ("meetings.new_meeting", "title"),
    ("meetings.edit_meeting", "place"),
    ("meetings.new_series", "title"),
    ("meetings.add_agenda_item", "title"),
    ("meetings.add_action_item", "title"),
    ("agreements.new", "title"),
    ("agreements.sign", "signer_title"),
    ("procedures.new", "title"),
    ("procedures.edit", "change_summary"),
    ("procedures.new_flow", "to_role"),
]


def declared(endpoint: str) -> dict:
    return next(valid for name, valid, _kept in declared_forms() if name == endpoint)


@pytest.mark.parametrize(("endpoint", "field"), TITLES, ids=[f"{e}:{f}" for e, f in TITLES])
def test_a_line_break_in_a_one_line_field_is_refused_and_what_was_typed_comes_back(
    app, client, db, make, login_as, endpoint, field
):
    url, world = visit(app, make, db, login_as, endpoint)
    typed = "Helena\r\nBcc: v@evil.example"
    response = client.post(url, data={**filled(declared(endpoint), world), field: typed})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert REFUSED in page
    assert str(escape(typed)) in page


# The forms that answered 500 on PostgreSQL when a NUL was typed, with a one-line field and a
# multi-line one of each.
NUL_FORMS = [
    ("meetings.edit_meeting", ["title", "place"]),
    ("procedures.new", ["title", "body_markdown", "change_summary"]),
    ("procedures.edit", ["title", "body_markdown", "change_summary"]),
    ("agreements.new", ["title", "purpose"]),
]


@pytest.mark.parametrize(
    ("endpoint", "field"),
    [(endpoint, field) for endpoint, fields in NUL_FORMS for field in fields],
)
def test_a_nul_is_refused_with_a_message_and_what_was_typed_comes_back(
    app, client, db, make, login_as, endpoint, field
):
    url, world = visit(app, make, db, login_as, endpoint)
    valid = filled(declared(endpoint), world)
    typed = valid[field] + "\x00 and more"
    response = client.post(url, data={**valid, field: typed})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "control characters" in page or "NUL" in page
    assert str(escape(typed)) in page


def test_an_agenda_template_line_with_a_control_character_is_refused():
    from partnerhub.meetings.forms import parse_template

    assert parse_template("Welcome\t| 5\n\nData | 10 | report") == [
        {"title": "Welcome", "minutes": 5, "kind": "other"},
        {"title": "Data", "minutes": 10, "kind": "report"},
    ]
    with pytest.raises(ValueError, match="Line 2 has control characters"):
        parse_template("Welcome | 5\nData\x1b | 10")


NUMBERS = [
    ("procedures.edit", "review_cadence_months"),
    ("meetings.new_meeting", "duration_minutes"),
    ("agreements.new", "renewal_notice_days"),
]


@pytest.mark.parametrize(("endpoint", "field"), NUMBERS, ids=[e for e, _f in NUMBERS])
def test_a_number_of_hundreds_of_digits_is_refused_with_a_message(
    app, client, db, make, login_as, endpoint, field
):
    url, world = visit(app, make, db, login_as, endpoint)
    response = client.post(url, data={**filled(declared(endpoint), world), field: "9" * 400})
    assert response.status_code == 200
    assert "Enter a smaller number." in response.get_data(as_text=True)


def test_ids_sent_as_text_are_read_only_when_a_row_could_have_them():
    from partnerhub.forms import id_or_none

    assert [id_or_none(t) for t in ("12", " 7 ", "", None, "²", "-1", "9" * 40)] == [
        12, 7, None, None, None, None, None,
    ]  # fmt: skip
    from partnerhub.meetings.forms import parse_template

    with pytest.raises(ValueError, match="at most 480 minutes"):
        parse_template("Welcome | 99999999999999999999")
