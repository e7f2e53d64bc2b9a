"""procedure reviews: when each review was due and when it was done, for the annual report

Revision ID: 0022_report
Revises: 0018_questions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_report"
down_revision: str | None = "0018_questions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "procedure_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("by_new_version", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["procedures.id"],
            name=op.f("fk_procedure_reviews_procedure_id_procedures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_reviews")),
    )
    op.create_index(
        op.f("ix_procedure_reviews_procedure_id"), "procedure_reviews", ["procedure_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_procedure_reviews_procedure_id"), table_name="procedure_reviews")
    op.drop_table("procedure_reviews")
