"""limit attempts: rate-limit counts kept in the database while Redis is unreachable

Revision ID: 0014_limit_counters
Revises: 0013_private_organizations
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_limit_counters"
down_revision: str | None = "0013_private_organizations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "limit_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_limit_attempts")),
    )
    op.create_index(
        "ix_limit_attempts_key_expires_at", "limit_attempts", ["key", "expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_limit_attempts_key_expires_at", table_name="limit_attempts")
    op.drop_table("limit_attempts")
