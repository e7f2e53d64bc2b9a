"""Every POST route refuses a request without a valid CSRF token and changes nothing.

The request comes from the visitor best placed to succeed (the facilitator, or the admin for
admin routes), so a refusal can only be the CSRF check's. Routes opened by a secret token in
their URL (one-click unsubscribe) are exempt by design and are covered by the matrix test.
"""

from __future__ import annotations

import re

import pytest
from flask import render_template_string
from flask_wtf.csrf import generate_csrf

from tests.test_authorization import route_url, snapshot
from tests.world import build_world, declared_routes, route_methods, route_values

TOKEN = r'name="csrf_token" value="([^"]+)"'


def post_routes() -> list[str]:
    methods = route_methods()
    return sorted(
        endpoint
        for endpoint, policy in declared_routes().items()
        if policy != "token" and "POST" in methods.get(endpoint, ())
    )


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def visitor_for(policy: str, world):
    if policy == "public":
        return None
    if policy == "admin":
        return world.admin
    return world.facilitator.user


@pytest.mark.parametrize("endpoint", post_routes())
def test_post_without_csrf_token_is_refused_and_changes_nothing(
    csrf_app, client, db, make, login_as, endpoint
):
    world = build_world(make)
    values = route_values(make, world).get(endpoint, {})
    db.commit()
    user = visitor_for(declared_routes()[endpoint], world)
    if user is not None:
        login_as(user)
    url = route_url(csrf_app, endpoint, values, world)
    before = snapshot(db)
    for data in ({}, {"csrf_token": "forged"}):
        response = client.post(url, data=data)
        assert response.status_code == 400, f"POST {url}: {response.status_code}"
        assert "form expired" in response.get_data(as_text=True).lower()
    assert snapshot(db) == before


def test_buttons_carry_the_requests_token_even_when_rendered_before_any_other_form(csrf_app):
    with csrf_app.test_request_context("/"):
        page = render_template_string(
            '{% from "_macros/page.html" import post_button %}'
            '{{ post_button("/one", "One") }}{{ post_button("/two", "Two") }}'
        )
        assert re.findall(TOKEN, page) == [generate_csrf()] * 2


def test_every_form_of_a_page_carries_the_one_token_a_post_accepts(csrf_app, make, db, login_as):
    """A page with a button on each row: the roster's Remove buttons share one form, which
    has the request's token (the template helper reads it where Flask-WTF keeps it); each
    button posts it to its own person, and a POST with it is accepted."""
    facilitator = make.user("Fiona Facilitator")
    partnership = make.partnership(facilitator)
    people = [make.member(partnership) for _ in range(3)]
    db.commit()
    roster = f"/partnerships/{partnership.id}/roster"
    client = login_as(facilitator)
    page = client.get(roster).get_data(as_text=True)
    tokens = re.findall(TOKEN, page)
    assert tokens and set(tokens) == {tokens[0]}
    removals = re.findall(r'form="remove-member" formaction="([^"]+)"', page)
    assert {f"{roster}/{person.id}/remove" for person in people} <= set(removals)
    removed = client.post(f"{roster}/{people[0].id}/remove", data={"csrf_token": tokens[0]})
    assert removed.status_code == 302
    db.expire_all()
    assert people[0].left_at is not None
