"""agenda items link to the procedure or agreement under review

Revision ID: 0008_agenda_links
Revises: 0007_roster
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_agenda_links"
down_revision: str | None = "0007_roster"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("procedure_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("agreement_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_agenda_items_agreement_id"), ["agreement_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_agenda_items_procedure_id"), ["procedure_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_agenda_items_procedure_id_procedures"),
            "procedures",
            ["procedure_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_agenda_items_agreement_id_agreements"),
            "agreements",
            ["agreement_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_agenda_items_agreement_id_agreements"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_agenda_items_procedure_id_procedures"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_agenda_items_procedure_id"))
        batch_op.drop_index(batch_op.f("ix_agenda_items_agreement_id"))
        batch_op.drop_column("agreement_id")
        batch_op.drop_column("procedure_id")
