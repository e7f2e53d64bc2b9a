"""Fixtures of the library tests: the shared world and a small shelf."""

from __future__ import annotations

import pytest

from partnerhub.library.models import Resource, ResourceKind


@pytest.fixture
def shelf(db, world, make):
    """A site-wide guidance, a site-wide template, this partnership's own template, and
    another partnership's template."""
    resources = {
        "ptac": Resource(
            title="PTAC",
            kind=ResourceKind.GUIDANCE,
            frameworks=["ferpa"],
            url="https://studentprivacy.ed.gov/",
        ),
        "template": Resource(
            title="Procedure template",
            kind=ResourceKind.TEMPLATE,
            frameworks=["ferpa", "hipaa"],
            body_markdown="# [Procedure title]\n\n1. Check the release.",
        ),
        "own": Resource(
            partnership_id=world.partnership.id,
            title="Helena release form",
            kind=ResourceKind.TEMPLATE,
            frameworks=["hipaa"],
            body_markdown="1. Use the joint release.",
        ),
        "theirs": Resource(
            partnership_id=world.other_partnership.id,
            title="Their private template",
            kind=ResourceKind.TEMPLATE,
            body_markdown="Not for Helena.",
        ),
    }
    db.add_all(resources.values())
    db.commit()
    return resources
