"""calendar updates: where a meeting moved alone was, and the meeting-change email preference

Revision ID: 0015_calendar_updates
Revises: 0014_limit_counters
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_calendar_updates"
down_revision: str | None = "0014_limit_counters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = [
    'meeting_reminder', 'agreement_renewal', 'procedure_review', 'action_item_overdue',
    'sign_off_request', 'daily_digest',
]  # fmt: skip
CHECK = "ck_notification_preferences_reminder_kind"


def _allow(kinds: list[str]) -> None:
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_="check")
        batch_op.create_check_constraint(op.f(CHECK), sa.column("kind").in_(kinds))


def upgrade() -> None:
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("moved_from", sa.DateTime(timezone=True), nullable=True))
    _allow([*KINDS, "meeting_change"])


def downgrade() -> None:
    op.execute("DELETE FROM notification_preferences WHERE kind = 'meeting_change'")
    _allow(KINDS)
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("moved_from")
