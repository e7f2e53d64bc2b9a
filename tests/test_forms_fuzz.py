"""Arbitrary input to every declared form never causes a server error, and a refused form gives
back what the user typed.

A module declares its forms in tests/<module>/access.py, next to its ROUTES:

    FORMS = [
        # (endpoint, a valid submission, fields whose input must come back when refused)
        ("auth.login", {"email": "dana@example.org", "password": "not hers"}, ["email"]),
        ("meetings.edit_series", {"title": "Monthly review", "starts_at": "10:00"}, ["title"]),
    ]

A value may be a function of the test world (for ids: `lambda world: world.member.id`).
The URL values come from the module's url_values(make, world), so the form is posted inside
the test world's partnership by the visitor best placed to succeed (anonymous for public
routes, the site admin for admin routes, the facilitator otherwise). Hypothesis draws a few
control characters (NUL included) and a piece of rubbish (any Unicode text, email-like text,
empty strings, strings far longer than any column); each field in turn gets the characters
appended or the rubbish instead while the other fields stay valid, then all get the rubbish.
Each response must be below 500; when the form is shown again (200), each kept field must
carry the typed value, escaped. Leave passwords and selects out of the kept list: they are
not given back by design.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from tests.test_authorization import route_url
from tests.test_csrf import visitor_for
from tests.world import World, access_modules, build_world, declared_routes, route_values

FUZZ = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NASTY = st.text(st.sampled_from("\x00\x01\r\n\t\x7f\u200b\u202e\ufeff"), min_size=1, max_size=3)
ANY_TEXT = st.one_of(
    st.text(),
    st.emails(),
    st.builds(
        lambda piece, times: piece * times, st.text(min_size=1, max_size=4), st.integers(60, 3000)
    ),
)


def submissions(valid: dict[str, str], tail: str, rubbish: str) -> list[dict[str, str]]:
    """Each field in turn spoiled while the others stay valid (so the rubbish gets past
    validation into the services and the database), then every field replaced at once."""
    spoiled = []
    for name in valid:
        spoiled += [{**valid, name: valid[name] + tail}, {**valid, name: rubbish}]
    return [*spoiled, dict.fromkeys(valid, rubbish)]


def _lines(text: str) -> str:
    """Text with its line breaks as a page shows them: a browser sends a text area's breaks
    as CRLF, and a form may keep them as LF; the text is the same."""
    return text.replace("\r\n", "\n")


def declared_forms() -> list[tuple[str, dict[str, str], list[str]]]:
    return [form for module in access_modules() for form in getattr(module, "FORMS", [])]


def enter_world(app, make, db, login_as, endpoint: str) -> str:
    """Build the test world, log in the visitor best placed for `endpoint`; returns its URL."""
    return visit(app, make, db, login_as, endpoint)[0]


def visit(app, make, db, login_as, endpoint: str) -> tuple[str, World]:
    """Build the test world, log in the visitor best placed for `endpoint`; returns its URL
    and the world."""
    world = build_world(make)
    values = route_values(make, world).get(endpoint, {})
    db.commit()
    user = visitor_for(declared_routes()[endpoint], world)
    if user is not None:
        login_as(user)
    return route_url(app, endpoint, values, world), world


def filled(valid: dict, world: World) -> dict[str, str]:
    """A declared submission with the values that depend on the world read from it."""
    return {name: value(world) if callable(value) else value for name, value in valid.items()}


@pytest.fixture
def unthrottled(app):
    """Limits far above what the test posts, so every example reaches the form."""
    for name in ("LOGIN_FAILURES_PER_ACCOUNT", "LOGIN_FAILURES_PER_ADDRESS"):
        app.config[name] = "100000/minute"
    for name in ("RESET_REQUESTS_PER_ACCOUNT", "RESET_REQUESTS_PER_ADDRESS"):
        app.config[name] = "100000/minute"
    return app


@pytest.mark.parametrize(
    ("endpoint", "valid", "kept"), declared_forms(), ids=[f[0] for f in declared_forms()]
)
def test_any_input_is_answered_without_error_and_kept(
    unthrottled, client, db, make, login_as, endpoint, valid, kept
):
    url, world = visit(unthrottled, make, db, login_as, endpoint)
    valid = filled(valid, world)

    @FUZZ
    @given(tail=NASTY, rubbish=ANY_TEXT)
    def post(tail, rubbish):
        for data in submissions(valid, tail, rubbish):
            response = client.post(url, data=data)
            assert response.status_code < 500, f"POST {url} {data!r}: {response.status_code}"
            if response.status_code == 200:
                page = _lines(response.get_data(as_text=True))
                for name in kept:
                    assert _lines(str(escape(data[name]))) in page, f"{name} lost its value"

    post()
