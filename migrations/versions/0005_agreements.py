"""agreements: parties, signatures, documents, renewal

Revision ID: 0005_agreements
Revises: 0004_notifications
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import partnerhub.db  # noqa: F401

revision: str = "0005_agreements"
down_revision: str | None = "0004_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
