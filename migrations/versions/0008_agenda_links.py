"""agenda items link to the procedure or agreement under review

Revision ID: 0008_agenda_links
Revises: 0007_roster
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import partnerhub.db  # noqa: F401

revision: str = "0008_agenda_links"
down_revision: str | None = "0007_roster"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
