"""agreements: the clauses an agreement must carry, its annual review, and amendments by
which an agency joins a signed agreement; flags for the annual review

Revision ID: 0023_agreement_clauses
Revises: 0021_schedule
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_agreement_clauses"
down_revision: str | None = "0021_schedule"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLAG_KINDS = [
    "agreement_renewal", "procedure_review", "action_item_overdue", "training_lapse",
    "training_gap", "agency_absence",
]  # fmt: skip
FLAG_CHECK = "ck_flags_flag_kind"


def _allow_flags(kinds: list[str]) -> None:
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(FLAG_CHECK), type_="check")
        batch_op.create_check_constraint(op.f(FLAG_CHECK), sa.column("kind").in_(kinds))


def upgrade() -> None:
    op.create_table(
        "agreement_amendments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("partner_agency_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("signer_name", sa.String(length=120), nullable=True),
        sa.Column("signer_title", sa.String(length=120), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("signature_recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"],
            ["users.id"],
            name=op.f("fk_agreement_amendments_accepted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_agreement_amendments_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_agreement_amendments_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["partner_agency_id"],
            ["partner_agencies.id"],
            name=op.f("fk_agreement_amendments_partner_agency_id_partner_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["signature_recorded_by_id"],
            ["users.id"],
            name=op.f("fk_agreement_amendments_signature_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_amendments")),
        sa.UniqueConstraint(
            "agreement_id", "number", name=op.f("uq_agreement_amendments_agreement_id_number")
        ),
        sa.UniqueConstraint(
            "agreement_id",
            "partner_agency_id",
            name=op.f("uq_agreement_amendments_agreement_id_partner_agency_id"),
        ),
    )
    with op.batch_alter_table("agreement_amendments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agreement_amendments_agreement_id"), ["agreement_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_agreement_amendments_partner_agency_id"),
            ["partner_agency_id"],
            unique=False,
        )

    op.create_table(
        "agreement_amendment_flows",
        sa.Column("amendment_id", sa.Integer(), nullable=False),
        sa.Column("information_flow_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["amendment_id"],
            ["agreement_amendments.id"],
            name=op.f("fk_agreement_amendment_flows_amendment_id_agreement_amendments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["information_flow_id"],
            ["information_flows.id"],
            name=op.f("fk_agreement_amendment_flows_information_flow_id_information_flows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "amendment_id", "information_flow_id", name=op.f("pk_agreement_amendment_flows")
        ),
    )
    with op.batch_alter_table("agreement_amendment_flows", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agreement_amendment_flows_information_flow_id"),
            ["information_flow_id"],
            unique=False,
        )

    with op.batch_alter_table("agreement_parties", schema=None) as batch_op:
        batch_op.add_column(sa.Column("amendment_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_agreement_parties_amendment_id_agreement_amendments"),
            "agreement_amendments",
            ["amendment_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("last_reviewed_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("parties_clause", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("flows_clause", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("redisclosure_clause", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("security_clause", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("training_clause", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("disputes_clause", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("consent_clause", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("term_clause", sa.Text(), nullable=False, server_default=""))

    _allow_flags([*FLAG_KINDS, "agreement_review"])


def downgrade() -> None:
    op.execute("DELETE FROM flags WHERE kind = 'agreement_review'")
    _allow_flags(FLAG_KINDS)
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_column("term_clause")
        batch_op.drop_column("consent_clause")
        batch_op.drop_column("disputes_clause")
        batch_op.drop_column("training_clause")
        batch_op.drop_column("security_clause")
        batch_op.drop_column("redisclosure_clause")
        batch_op.drop_column("flows_clause")
        batch_op.drop_column("parties_clause")
        batch_op.drop_column("last_reviewed_on")
        batch_op.drop_column("review_on")

    with op.batch_alter_table("agreement_parties", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_agreement_parties_amendment_id_agreement_amendments"), type_="foreignkey"
        )
        batch_op.drop_column("amendment_id")

    with op.batch_alter_table("agreement_amendment_flows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreement_amendment_flows_information_flow_id"))

    op.drop_table("agreement_amendment_flows")
    with op.batch_alter_table("agreement_amendments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreement_amendments_partner_agency_id"))
        batch_op.drop_index(batch_op.f("ix_agreement_amendments_agreement_id"))

    op.drop_table("agreement_amendments")
