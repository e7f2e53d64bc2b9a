"""procedures: information flows, procedures with versions and sign-offs

Revision ID: 0003_documents
Revises: 0002_meetings
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import partnerhub.db  # noqa: F401

revision: str = "0003_documents"
down_revision: str | None = "0002_meetings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
