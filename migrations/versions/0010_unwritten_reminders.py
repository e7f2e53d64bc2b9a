"""outbox: meeting reminders queued unwritten, linked to their reminder; Message-ID derived

Revision ID: 0010_unwritten_reminders
Revises: 0009_reminders
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0010_unwritten_reminders"
down_revision: str | None = "0009_reminders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


class UTCDateTime(sa.TypeDecorator):
    """The application's UTC timestamp as it was at this revision: SQLite stores it naive."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminder_id", sa.Integer(), nullable=True))
        batch_op.alter_column("subject", existing_type=sa.String(length=255), nullable=True)
        batch_op.alter_column("text_body", existing_type=sa.Text(), nullable=True)
        batch_op.alter_column("headers", existing_type=sa.JSON(), nullable=True)
        batch_op.drop_column("message_id")
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_reminder_id"), ["reminder_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_messages_reminder_id_meeting_reminders"),
            "meeting_reminders",
            ["reminder_id"],
            ["id"],
            ondelete="CASCADE",
        )
    _link_waiting_reminders()


def _link_waiting_reminders() -> None:
    """Reminders queued before this revision, still to be sent, are linked to their record
    (their key is meeting-reminder:<meeting id>:<start UTC>:<offset>:<user id>)."""
    bind = op.get_bind()
    outbox = sa.table(
        "outbox_messages",
        sa.column("id"),
        sa.column("idempotency_key"),
        sa.column("kind"),
        sa.column("status"),
        sa.column("reminder_id"),
    )
    reminders = sa.table(
        "meeting_reminders",
        sa.column("id"),
        sa.column("meeting_id"),
        sa.column("starts_at", UTCDateTime()),
        sa.column("offset_minutes"),
    )
    waiting = bind.execute(
        sa.select(outbox.c.id, outbox.c.idempotency_key).where(
            outbox.c.kind == "meeting_reminder", outbox.c.status.in_(["pending", "sending"])
        )
    ).all()
    for message_id, key in waiting:
        _prefix, meeting_id, *start, offset, _user_id = key.split(":")
        reminder_id = bind.scalar(
            sa.select(reminders.c.id).where(
                reminders.c.meeting_id == int(meeting_id),
                reminders.c.starts_at == datetime.fromisoformat(":".join(start)),
                reminders.c.offset_minutes == int(offset),
            )
        )
        bind.execute(
            sa.update(outbox).where(outbox.c.id == message_id).values(reminder_id=reminder_id)
        )


def downgrade() -> None:
    op.execute("DELETE FROM outbox_messages WHERE text_body IS NULL")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_messages_reminder_id_meeting_reminders"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_outbox_messages_reminder_id"))
        batch_op.add_column(
            sa.Column("message_id", sa.String(length=255), nullable=False, server_default="")
        )
        batch_op.alter_column("headers", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("text_body", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("subject", existing_type=sa.String(length=255), nullable=False)
        batch_op.drop_column("reminder_id")
