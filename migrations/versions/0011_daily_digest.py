"""notification preferences: the daily digest, a kind asked for rather than turned off

Revision ID: 0011_daily_digest
Revises: 0010_unwritten_reminders
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_daily_digest"
down_revision: str | None = "0010_unwritten_reminders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ['meeting_reminder', 'agreement_renewal', 'procedure_review', 'action_item_overdue']
CHECK = 'ck_notification_preferences_reminder_kind'


def _allow(kinds: list[str]) -> None:
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_='check')
        batch_op.create_check_constraint(op.f(CHECK), sa.column('kind').in_(kinds))


def upgrade() -> None:
    _allow([*KINDS, 'daily_digest'])


def downgrade() -> None:
    op.execute("DELETE FROM notification_preferences WHERE kind = 'daily_digest'")
    _allow(KINDS)
