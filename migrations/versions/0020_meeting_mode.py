"""meeting mode: each agenda item's clock, and a version of its notes so that two people
writing them at once do not erase each other

Revision ID: 0020_meeting_mode
Revises: 0017_training
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_meeting_mode"
down_revision: str | None = "0017_training"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("notes_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_column("notes_version")
        batch_op.drop_column("ended_at")
        batch_op.drop_column("started_at")
