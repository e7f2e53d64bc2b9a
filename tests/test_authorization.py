"""The authorization matrix: every route of the app against every kind of visitor.

Routes and their policies come from each module's tests/<module>/access.py (a route missing
there fails tests/test_routes_declared.py). Each route is requested with every method it
accepts by an anonymous visitor, a user outside the partnership, an observer, a member, a
facilitator, a site admin who is not a member, and the facilitator of another partnership.
A refused request must be refused the right way (login page, 404 to hide the partnership,
403 for a too-small role) and a refused write must leave the database exactly as it was.
A site admin who is not a member reads a partnership's pages (GET, each look audited) and
changes nothing: every write, and every page that exists only to write, is refused (403).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import url_for

from partnerhub.models import metadata
from tests.world import declared_routes, route_methods, route_values

VISITORS = (
    "anonymous",
    "outsider",
    "observer",
    "member",
    "facilitator",
    "admin",
    "other_facilitator",
)

ALLOW, LOGIN, HIDDEN, FORBIDDEN = "allow", "login", "hidden", "forbidden"

# policy -> visitor -> expected outcome
EXPECTED = {
    "public": dict.fromkeys(VISITORS, ALLOW),
    "login": {**dict.fromkeys(VISITORS, ALLOW), "anonymous": LOGIN},
    "admin": {**dict.fromkeys(VISITORS, FORBIDDEN), "anonymous": LOGIN, "admin": ALLOW},
    "view": {
        "anonymous": LOGIN,
        "outsider": HIDDEN,
        "observer": ALLOW,
        "member": ALLOW,
        "facilitator": ALLOW,
        "admin": {"GET": ALLOW, "POST": FORBIDDEN},
        "other_facilitator": HIDDEN,
    },
    "contribute": {
        "anonymous": LOGIN,
        "outsider": HIDDEN,
        "observer": FORBIDDEN,
        "member": ALLOW,
        "facilitator": ALLOW,
        "admin": FORBIDDEN,
        "other_facilitator": HIDDEN,
    },
    "manage": {
        "anonymous": LOGIN,
        "outsider": HIDDEN,
        "observer": FORBIDDEN,
        "member": FORBIDDEN,
        "facilitator": ALLOW,
        "admin": FORBIDDEN,
        "other_facilitator": HIDDEN,
    },
}

# Tables a request may touch whatever its outcome: the sliding login session.
BOOKKEEPING_TABLES = {"user_sessions"}


def matrix_cases():
    routes = declared_routes()
    return [
        pytest.param(endpoint, visitor, id=f"{endpoint}-{visitor}")
        for endpoint, policy in sorted(routes.items())
        if policy != "token"
        for visitor in VISITORS
    ]


def token_routes():
    return sorted(e for e, policy in declared_routes().items() if policy == "token")


def visitor_user(world, visitor: str):
    return {
        "anonymous": None,
        "outsider": world.outsider,
        "observer": world.observer.user,
        "member": world.member.user,
        "facilitator": world.facilitator.user,
        "admin": world.admin,
        "other_facilitator": world.other_facilitator.user,
    }[visitor]


def route_url(app, endpoint: str, values: dict, world) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    if "partnership_id" in rule.arguments:
        values = {"partnership_id": world.partnership.id, **values}
    with app.test_request_context():
        return url_for(endpoint, **values)


def methods_of(endpoint: str) -> list[str]:
    return sorted(route_methods()[endpoint])


def snapshot(session) -> dict[str, list]:
    """Every row of every table (but bookkeeping), to prove a refused write changed nothing."""
    session.expire_all()
    rows = {}
    for table in metadata.sorted_tables:
        if table.name in BOOKKEEPING_TABLES:
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        query = sa.select(table).order_by(*order)
        rows[table.name] = [tuple(row) for row in session.execute(query)]
    session.rollback()
    return rows


def outcome(response) -> str:
    if response.status_code == 404:
        return HIDDEN
    if response.status_code == 403:
        return FORBIDDEN
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303) and "/login?next=" in location:
        return LOGIN
    return ALLOW


@pytest.mark.parametrize(("endpoint", "visitor"), matrix_cases())
def test_route_answers_each_visitor_as_its_policy_says(
    app, client, db, make, world, login_as, endpoint, visitor
):
    policy = declared_routes()[endpoint]
    values = route_values(make, world).get(endpoint, {})
    db.commit()
    url = route_url(app, endpoint, values, world)
    user = visitor_user(world, visitor)
    if user is not None:
        login_as(user)

    for method in methods_of(endpoint):
        expected = (
            by_method[method]
            if isinstance(by_method := EXPECTED[policy][visitor], dict)
            else by_method
        )
        before = snapshot(db) if method == "POST" and expected != ALLOW else None
        response = client.open(url, method=method, data={})
        assert response.status_code < 500, f"{method} {url}: {response.status_code}"
        assert outcome(response) == expected, (
            f"{method} {url} as {visitor}: {response.status_code} "
            f"{response.headers.get('Location', '')}, expected {expected}"
        )
        if before is not None:
            assert snapshot(db) == before, f"refused {method} {url} changed the database"


@pytest.mark.parametrize("endpoint", token_routes())
def test_token_route_needs_its_token(app, client, db, make, world, endpoint):
    """A route opened by a secret token (feed, unsubscribe link) refuses a forged one."""
    values = route_values(make, world)[endpoint]
    db.commit()
    token_name = next(name for name in values if "token" in name)
    forged = {**values, token_name: values[token_name][:-4] + "AAAA"}
    for method in methods_of(endpoint):
        before = snapshot(db)
        refused = client.open(route_url(app, endpoint, forged, world), method=method)
        assert refused.status_code == 404
        assert snapshot(db) == before
        response = client.open(route_url(app, endpoint, values, world), method=method)
        assert response.status_code < 400, f"{method} {endpoint}: {response.status_code}"
