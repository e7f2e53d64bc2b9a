"""schedule: the meeting cadence comes from the active series; absences and final minutes

- `partnerships.meeting_cadence` (free text) goes: the cadence is now read from the
  partnership's active meeting series. Nothing written there is lost: a non-empty text is
  copied into the active series' new `description` as "Meeting cadence: …" (unless the
  description already holds it); a partnership with no series at all gets it appended to its
  purpose statement instead. The active series is the earliest one with a meeting still
  scheduled ahead, else the partnership's latest series. The text is not compared with the
  words the application derives from the rule (a migration imports nothing from it): the
  hand-written text is kept whenever it is not already there.
- `partnerships.absence_flag_after`: after how many meetings in a row missed an agency is
  flagged (3).
- New email preferences `final_minutes` and `agency_absence`, and the flag kind
  `agency_absence`.

Downgrade re-adds `meeting_cadence` empty (the texts stay where the upgrade put them), and
drops the preferences and flags of the new kinds.

Revision ID: 0021_schedule
Revises: 0020_meeting_mode
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0021_schedule"
down_revision: str | None = "0020_meeting_mode"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REMINDER_KINDS = [
    'meeting_reminder', 'meeting_change', 'agreement_renewal', 'procedure_review',
    'action_item_overdue', 'sign_off_request', 'training_lapse', 'daily_digest',
]  # fmt: skip
NEW_REMINDER_KINDS = ["final_minutes", "agency_absence"]
FLAG_KINDS = [
    "agreement_renewal", "procedure_review", "action_item_overdue", "training_lapse", "training_gap",
]  # fmt: skip
NEW_FLAG_KINDS = ["agency_absence"]
PREFERENCES_CHECK = "ck_notification_preferences_reminder_kind"
FLAGS_CHECK = "ck_flags_flag_kind"


def _allow(table: str, check: str, kinds: list[str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(check), type_="check")
        batch_op.create_check_constraint(op.f(check), sa.column("kind").in_(kinds))


def upgrade() -> None:
    # Columns are added and dropped in place: on SQLite a batch copy of `partnerships` or
    # `meeting_series` would drop the old table, and its ON DELETE rules would empty the tables
    # that refer to it (SQLite 3.35 or later drops a column in place).
    op.add_column(
        "meeting_series", sa.Column("description", sa.Text(), nullable=False, server_default="")
    )
    _carry_cadences(op.get_bind())
    op.drop_column("partnerships", "meeting_cadence")
    op.add_column(
        "partnerships",
        sa.Column("absence_flag_after", sa.Integer(), nullable=False, server_default="3"),
    )
    _allow("notification_preferences", PREFERENCES_CHECK, REMINDER_KINDS + NEW_REMINDER_KINDS)
    _allow("flags", FLAGS_CHECK, FLAG_KINDS + NEW_FLAG_KINDS)


def _carry_cadences(connection) -> None:
    """Copy each partnership's cadence text into its active series, or else its purpose."""
    now = datetime.now(UTC)
    partnerships = connection.execute(
        sa.text("SELECT id, meeting_cadence, purpose FROM partnerships WHERE meeting_cadence <> ''")
    ).all()
    for partnership_id, cadence, purpose in partnerships:
        text = f"Meeting cadence: {cadence.strip()}"
        series = _active_series(connection, partnership_id, now)
        if series is None:
            connection.execute(
                sa.text("UPDATE partnerships SET purpose = :purpose WHERE id = :id"),
                {
                    "purpose": f"{purpose}\n\n{text}" if purpose.strip() else text,
                    "id": partnership_id,
                },
            )
            continue
        series_id, description = series
        if cadence.strip() in description:
            continue
        connection.execute(
            sa.text("UPDATE meeting_series SET description = :description WHERE id = :id"),
            {
                "description": f"{description}\n\n{text}" if description.strip() else text,
                "id": series_id,
            },
        )


def _active_series(connection, partnership_id: int, now: datetime):
    """(id, description) of the partnership's active series, or None when it has none."""
    rows = connection.execute(
        sa.text(
            "SELECT s.id, s.description, s.starts_on,"
            " (SELECT max(m.starts_at) FROM meetings m WHERE m.series_id = s.id"
            "  AND m.status = 'scheduled') AS last_scheduled"
            " FROM meeting_series s WHERE s.partnership_id = :id ORDER BY s.id"
        ),
        {"id": partnership_id},
    ).all()
    for series_id, description, _starts_on, last_scheduled in rows:
        if last_scheduled is not None and _as_utc(last_scheduled) >= now:
            return series_id, description
    if not rows:
        return None
    latest = max(rows, key=lambda row: (str(row.starts_on), row.id))
    return latest.id, latest.description


def _as_utc(value) -> datetime:
    """A stored timestamp (text on SQLite) as an aware UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def downgrade() -> None:
    kinds = ", ".join(f"'{kind}'" for kind in NEW_FLAG_KINDS)
    op.execute(f"DELETE FROM flags WHERE kind IN ({kinds})")
    _allow("flags", FLAGS_CHECK, FLAG_KINDS)
    kinds = ", ".join(f"'{kind}'" for kind in NEW_REMINDER_KINDS)
    op.execute(f"DELETE FROM notification_preferences WHERE kind IN ({kinds})")
    _allow("notification_preferences", PREFERENCES_CHECK, REMINDER_KINDS)
    op.drop_column("partnerships", "absence_flag_after")
    op.add_column(
        "partnerships",
        sa.Column("meeting_cadence", sa.String(length=200), nullable=False, server_default=""),
    )
    op.drop_column("meeting_series", "description")
