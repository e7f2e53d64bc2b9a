"""a procedure sign-off says whether it was recorded on the agency's behalf

Revision ID: 0019_nextup
Revises: 0022_report
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_nextup"
down_revision: str | None = "0022_report"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("procedure_sign_offs") as table:
        table.add_column(
            sa.Column("on_behalf", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("procedure_sign_offs") as table:
        table.drop_column("on_behalf")
