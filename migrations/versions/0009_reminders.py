"""reminders: notification preferences, flags, sweep records

Revision ID: 0009_reminders
Revises: 0008_agenda_links
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import partnerhub.db  # noqa: F401

revision: str = "0009_reminders"
down_revision: str | None = "0008_agenda_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
