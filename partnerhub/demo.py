"""`partnerhub demo`: a realistic partnership to explore the product with."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session


@dataclass
class DemoLogins:
    password: str
    people: list[tuple[str, str]] = field(default_factory=list)


def load_demo(session: Session) -> DemoLogins:
    """Build the demo partnership; each module adds its part."""
    raise NotImplementedError("the demo partnership is built by the partnerships module")
