"""Fixtures of the partnerships tests: a facilitator logged in on their partnership."""

from dataclasses import dataclass

import pytest

from partnerhub.auth.models import User
from partnerhub.partnerships.models import Partnership


@dataclass
class Facilitated:
    user: User
    partnership: Partnership
    client: object

    def url(self, suffix: str = "") -> str:
        return f"/partnerships/{self.partnership.id}{suffix}"


@pytest.fixture
def facilitated(make, db, login_as) -> Facilitated:
    """Fiona facilitates the Helena partnership and is logged in."""
    user = make.user("Fiona Facilitator")
    partnership = make.partnership(user, name="Helena Youth Partnership")
    db.commit()
    return Facilitated(user, partnership, login_as(user))
