"""A small world for cross-cutting tests: one partnership with a person in every role, an
outsider, a site admin, and a second partnership they do not belong to.

The authorization matrix, CSRF and form-fuzz tests use it with the `access.py` declarations
each module keeps in tests/<module>/access.py (ROUTES: endpoint -> policy, and
url_values(make, world) -> endpoint -> URL values).
"""

from __future__ import annotations

import importlib
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from partnerhub.auth.models import User
from partnerhub.partnerships.models import Membership, Partnership, Role, Sector
from tests.factories import Factory

POLICIES = ("public", "login", "admin", "view", "contribute", "manage", "token")


@dataclass
class World:
    partnership: Partnership
    other_partnership: Partnership
    facilitator: Membership
    member: Membership
    observer: Membership
    other_facilitator: Membership
    outsider: User
    admin: User


def build_world(make: Factory) -> World:
    """Create the world; the member belongs to the school agency."""
    facilitator_user = make.user("Fiona Facilitator")
    partnership = make.partnership(facilitator_user, name="Helena Youth Partnership")
    school = make.agency(partnership, "Helena Public Schools", Sector.SCHOOL)
    facilitator = partnership_membership(make, partnership, facilitator_user)
    member = make.member(
        partnership,
        make.user("Mo Member"),
        Role.MEMBER,
        agency=school,
        position="Resource coordinator",
        signatory=True,
    )
    observer = make.member(partnership, make.user("Olive Observer"), Role.OBSERVER)
    other = make.partnership(make.user("Otto Other"), name="Grossmont Partnership")
    other_facilitator = make.session.query(Membership).filter_by(partnership_id=other.id).one()
    make.agency(other, "Grossmont Union High School District", Sector.SCHOOL)
    return World(
        partnership=partnership,
        other_partnership=other,
        facilitator=facilitator,
        member=member,
        observer=observer,
        other_facilitator=other_facilitator,
        outsider=make.user("Una Outsider"),
        admin=make.user("Ada Admin", admin=True),
    )


def partnership_membership(make: Factory, partnership: Partnership, user: User) -> Membership:
    return (
        make.session.query(Membership)
        .filter_by(partnership_id=partnership.id, user_id=user.id)
        .one()
    )


def access_modules() -> list:
    """Every tests/<module>/access.py, imported."""
    root = Path(__file__).parent
    return [
        importlib.import_module(f"tests.{path.parent.name}.access")
        for path in sorted(root.glob("*/access.py"))
    ]


def declared_routes() -> dict[str, str]:
    """endpoint -> policy, from every module's access.py."""
    routes: dict[str, str] = {}
    for module in access_modules():
        for endpoint, policy in module.ROUTES.items():
            assert policy in POLICIES, f"{endpoint}: unknown policy {policy!r}"
            assert endpoint not in routes, f"{endpoint} is declared twice"
            routes[endpoint] = policy
    return routes


def route_values(make: Factory, world: World) -> dict[str, dict]:
    """endpoint -> URL values, from every module's access.py."""
    values: dict[str, dict] = {}
    for module in access_modules():
        values.update(module.url_values(make, world))
    return values


@cache
def route_methods() -> dict[str, frozenset[str]]:
    """endpoint -> the methods it accepts, read from an app's URL map (for test collection)."""
    from partnerhub import create_app

    instance = tempfile.mkdtemp(prefix="partnerhub-routes-")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{instance}/routes.sqlite",
            "INSTANCE_PATH": instance,
            "SECRET_KEY": "routes",
        }
    )
    methods: dict[str, frozenset[str]] = {}
    for rule in app.url_map.iter_rules():
        methods[rule.endpoint] = methods.get(rule.endpoint, frozenset()) | (
            rule.methods & {"GET", "POST"}
        )
    app.extensions["partnerhub.database"].dispose()
    return methods
