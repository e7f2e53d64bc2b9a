"""training: sessions, who attended for which agency, each partnership's training settings;
training lapses and gaps as flags, lapse notices as a reminder kind

Revision ID: 0017_training
Revises: 0016_resource_library
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_training"
down_revision: str | None = "0016_resource_library"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLAG_KINDS = ["agreement_renewal", "procedure_review", "action_item_overdue"]
REMINDER_KINDS = [
    "meeting_reminder",
    "meeting_change",
    "agreement_renewal",
    "procedure_review",
    "action_item_overdue",
    "sign_off_request",
    "daily_digest",
]


def _allow(table: str, check: str, kinds: list[str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(check), type_="check")
        batch_op.create_check_constraint(op.f(check), sa.column("kind").in_(kinds))


def upgrade() -> None:
    op.create_table(
        "training_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("frameworks", sa.JSON(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("trainer", sa.String(length=200), nullable=False),
        sa.Column(
            "format",
            sa.Enum(
                "in_person",
                "online",
                "self_paced",
                name="training_format",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_training_sessions_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_training_sessions_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_sessions")),
    )
    op.create_index(
        "ix_training_sessions_partnership_held",
        "training_sessions",
        ["partnership_id", "held_on"],
        unique=False,
    )
    op.create_table(
        "training_attendances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("training_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("partner_agency_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_training_attendances_membership_id_memberships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_agency_id"],
            ["partner_agencies.id"],
            name=op.f("fk_training_attendances_partner_agency_id_partner_agencies"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["training_id"],
            ["training_sessions.id"],
            name=op.f("fk_training_attendances_training_id_training_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_attendances")),
        sa.UniqueConstraint(
            "training_id",
            "membership_id",
            name=op.f("uq_training_attendances_training_id_membership_id"),
        ),
    )
    op.create_index(
        op.f("ix_training_attendances_membership_id"),
        "training_attendances",
        ["membership_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_training_attendances_training_id"),
        "training_attendances",
        ["training_id"],
        unique=False,
    )
    op.create_table(
        "training_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("current_months", sa.Integer(), nullable=False),
        sa.Column("requirements", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "current_months BETWEEN 1 AND 60",
            name=op.f("ck_training_policies_current_months_range"),
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_training_policies_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_policies")),
        sa.UniqueConstraint("partnership_id", name=op.f("uq_training_policies_partnership_id")),
    )
    _allow("flags", "ck_flags_flag_kind", [*FLAG_KINDS, "training_lapse", "training_gap"])
    _allow(
        "notification_preferences",
        "ck_notification_preferences_reminder_kind",
        [*REMINDER_KINDS, "training_lapse"],
    )


def downgrade() -> None:
    op.execute("DELETE FROM flags WHERE kind IN ('training_lapse', 'training_gap')")
    op.execute("DELETE FROM notification_preferences WHERE kind = 'training_lapse'")
    _allow("notification_preferences", "ck_notification_preferences_reminder_kind", REMINDER_KINDS)
    _allow("flags", "ck_flags_flag_kind", FLAG_KINDS)
    op.drop_table("training_policies")
    op.drop_index(op.f("ix_training_attendances_training_id"), table_name="training_attendances")
    op.drop_index(op.f("ix_training_attendances_membership_id"), table_name="training_attendances")
    op.drop_table("training_attendances")
    op.drop_index("ix_training_sessions_partnership_held", table_name="training_sessions")
    op.drop_table("training_sessions")
