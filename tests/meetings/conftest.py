"""Fixtures of the meetings tests: a partnership with people in every role."""

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
    """The URL prefix of the world partnership's pages."""
    return f"/partnerships/{world.partnership.id}"
