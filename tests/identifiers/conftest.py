"""Fixtures of the identifier guard's page tests: the shared world, and its URL prefix."""

from __future__ import annotations

import pytest

from tests.world import build_world


@pytest.fixture
def world(make, db):
    built = build_world(make)
    db.commit()
    return built


@pytest.fixture
def base(world):
    return f"/partnerships/{world.partnership.id}"
