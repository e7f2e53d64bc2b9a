"""procedures: information flows, procedures with versions and sign-offs

Revision ID: 0003_documents
Revises: 0002_meetings
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_documents"
down_revision: str | None = "0002_meetings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "procedures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("owning_agency_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("review_cadence_months", sa.Integer(), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("last_reviewed_on", sa.Date(), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "review_cadence_months BETWEEN 1 AND 60",
            name=op.f("ck_procedures_review_cadence_range"),
        ),
        sa.ForeignKeyConstraint(
            ["owning_agency_id"],
            ["partner_agencies.id"],
            name=op.f("fk_procedures_owning_agency_id_partner_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_procedures_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedures")),
    )
    with op.batch_alter_table("procedures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_procedures_next_review_on"), ["next_review_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_procedures_owning_agency_id"), ["owning_agency_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_procedures_partnership_id"), ["partnership_id"], unique=False
        )

    op.create_table(
        "information_flows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("from_agency_id", sa.Integer(), nullable=False),
        sa.Column("to_agency_id", sa.Integer(), nullable=True),
        sa.Column("to_role", sa.String(length=200), nullable=False),
        sa.Column("data_categories", sa.JSON(), nullable=False),
        sa.Column("trigger", sa.Text(), nullable=False),
        sa.Column(
            "legal_basis",
            sa.Enum(
                "ferpa_consent",
                "ferpa_health_safety_emergency",
                "ferpa_juvenile_justice",
                "law_enforcement_unit_record",
                "hipaa_authorization",
                "hipaa_tpo",
                "part2_consent",
                "state_statute",
                "other",
                name="flow_legal_basis",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("statute_citation", sa.String(length=200), nullable=False),
        sa.Column("consent_required", sa.Boolean(), nullable=False),
        sa.Column("certification_required", sa.Boolean(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "to_agency_id IS NOT NULL OR to_role != ''",
            name=op.f("ck_information_flows_has_recipient"),
        ),
        sa.ForeignKeyConstraint(
            ["from_agency_id"],
            ["partner_agencies.id"],
            name=op.f("fk_information_flows_from_agency_id_partner_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_information_flows_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["procedures.id"],
            name=op.f("fk_information_flows_procedure_id_procedures"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["to_agency_id"],
            ["partner_agencies.id"],
            name=op.f("fk_information_flows_to_agency_id_partner_agencies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_information_flows")),
    )
    with op.batch_alter_table("information_flows", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_information_flows_from_agency_id"), ["from_agency_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_information_flows_partnership_id"), ["partnership_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_information_flows_procedure_id"), ["procedure_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_information_flows_to_agency_id"), ["to_agency_id"], unique=False
        )

    op.create_table(
        "procedure_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("legal_bases", sa.JSON(), nullable=False),
        sa.Column("change_summary", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "in_review",
                "approved",
                "superseded",
                "retired",
                name="procedure_version_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_procedure_versions_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["procedures.id"],
            name=op.f("fk_procedure_versions_procedure_id_procedures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_versions")),
        sa.UniqueConstraint(
            "procedure_id", "number", name=op.f("uq_procedure_versions_procedure_id_number")
        ),
    )
    with op.batch_alter_table("procedure_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_procedure_versions_procedure_id"), ["procedure_id"], unique=False
        )

    op.create_table(
        "procedure_change_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_procedure_change_requests_membership_id_memberships"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["procedure_versions.id"],
            name=op.f("fk_procedure_change_requests_version_id_procedure_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_change_requests")),
    )
    with op.batch_alter_table("procedure_change_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_procedure_change_requests_version_id"), ["version_id"], unique=False
        )

    op.create_table(
        "procedure_sign_offs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("partner_agency_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_procedure_sign_offs_membership_id_memberships"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["partner_agency_id"],
            ["partner_agencies.id"],
            name=op.f("fk_procedure_sign_offs_partner_agency_id_partner_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["procedure_versions.id"],
            name=op.f("fk_procedure_sign_offs_version_id_procedure_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_sign_offs")),
        sa.UniqueConstraint(
            "version_id",
            "partner_agency_id",
            name=op.f("uq_procedure_sign_offs_version_id_partner_agency_id"),
        ),
    )
    with op.batch_alter_table("procedure_sign_offs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_procedure_sign_offs_partner_agency_id"),
            ["partner_agency_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_procedure_sign_offs_version_id"), ["version_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("procedure_sign_offs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedure_sign_offs_version_id"))
        batch_op.drop_index(batch_op.f("ix_procedure_sign_offs_partner_agency_id"))

    op.drop_table("procedure_sign_offs")
    with op.batch_alter_table("procedure_change_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedure_change_requests_version_id"))

    op.drop_table("procedure_change_requests")
    with op.batch_alter_table("procedure_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedure_versions_procedure_id"))

    op.drop_table("procedure_versions")
    with op.batch_alter_table("information_flows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_information_flows_to_agency_id"))
        batch_op.drop_index(batch_op.f("ix_information_flows_procedure_id"))
        batch_op.drop_index(batch_op.f("ix_information_flows_partnership_id"))
        batch_op.drop_index(batch_op.f("ix_information_flows_from_agency_id"))

    op.drop_table("information_flows")
    with op.batch_alter_table("procedures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedures_partnership_id"))
        batch_op.drop_index(batch_op.f("ix_procedures_owning_agency_id"))
        batch_op.drop_index(batch_op.f("ix_procedures_next_review_on"))

    op.drop_table("procedures")
