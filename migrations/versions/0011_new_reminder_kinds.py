"""notification preferences: sign-off requests, and the daily digest (asked for, not turned off)

Revision ID: 0011_new_reminder_kinds
Revises: 0010_unwritten_reminders
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_new_reminder_kinds"
down_revision: str | None = "0010_unwritten_reminders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ["meeting_reminder", "agreement_renewal", "procedure_review", "action_item_overdue"]
CHECK = "ck_notification_preferences_reminder_kind"


def _allow(kinds: list[str]) -> None:
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_="check")
        batch_op.create_check_constraint(op.f(CHECK), sa.column("kind").in_(kinds))


def upgrade() -> None:
    _allow([*KINDS, "sign_off_request", "daily_digest"])


def downgrade() -> None:
    op.execute(
        "DELETE FROM notification_preferences WHERE kind IN ('sign_off_request', 'daily_digest')"
    )
    _allow(KINDS)
