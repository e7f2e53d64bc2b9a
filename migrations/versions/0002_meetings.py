"""meetings: series, occurrences, agendas, minutes, attendance, action items, calendar feeds

Revision ID: 0002_meetings
Revises: 0001_foundation
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import partnerhub.db  # noqa: F401

revision: str = "0002_meetings"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
