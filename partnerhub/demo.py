"""`partnerhub demo`: a realistic partnership to explore the product with.

The partnerships module builds the partnership, its agencies and people (`DemoWorld`); every
other module that has a `demo.py` with `extend(session, world)` adds its part.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module, util

from sqlalchemy.orm import Session

DEMO_PASSWORD = "partnerhub-demo"
EXTENDING_MODULES = (
    "meetings",
    "procedures",
    "agreements",
    "library",
    "training",
    "questions",
    "notifications",
)


@dataclass
class DemoWorld:
    """What the partnerships module built, for the other modules to build on."""

    now: datetime
    partnership: object
    facilitator: object  # Membership
    agencies: dict = field(default_factory=dict)  # Sector -> PartnerAgency
    members: list = field(default_factory=list)  # Membership, all of them
    logins: list[tuple[str, str]] = field(default_factory=list)  # (email, description)
    # False when the demo was already loaded: nothing was added, the modules add nothing either.
    created: bool = True


@dataclass
class DemoLogins:
    password: str
    people: list[tuple[str, str]]


def load_demo(session: Session, now: datetime) -> DemoLogins:
    """Build the demo partnership and let each module add its part; a second run adds nothing."""
    from partnerhub.partnerships.demo import build

    world = build(session, now, DEMO_PASSWORD)
    for name in EXTENDING_MODULES if world.created else ():
        module_name = f"partnerhub.{name}.demo"
        if util.find_spec(module_name) is not None:
            import_module(module_name).extend(session, world)
    return DemoLogins(DEMO_PASSWORD, world.logins)
