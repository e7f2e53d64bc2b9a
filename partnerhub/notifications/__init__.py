"""Notifications: the outbox, its delivery, people's email preferences, flags, and the sweep
that the domains' reminders plug into.

This is the package's public interface: the domains import from `partnerhub.notifications`
only, and notifications imports no domain (meetings, procedures, agreements); they register
their sweep steps, writers and digest lists (`sweep_step`, `writer`, `upcoming`).
"""

from partnerhub.notifications.digest import DIGEST_AHEAD
from partnerhub.notifications.dispatch import deliver_soon
from partnerhub.notifications.flags import open_flags, resolve_flags
from partnerhub.notifications.models import (
    Flag,
    FlagKind,
    OutboxMessage,
    OutboxStatus,
    ReminderKind,
)
from partnerhub.notifications.outbox import (
    Content,
    pending_row,
    queue_content,
    queue_email,
    queue_unwritten,
    render_email,
    withdraw_pending,
)
from partnerhub.notifications.preferences import opted_out, wants
from partnerhub.notifications.registry import flag_subject, no_id, sweep_step, upcoming, writer
from partnerhub.notifications.sweep import (
    Draft,
    Partnerships,
    SweepReport,
    active_members,
    chunks,
    draft,
    flag,
    notify,
    people,
    sweep,
)
from partnerhub.notifications.wording import known_zone, local_when, long_date

__all__ = [
    "DIGEST_AHEAD",
    "Content",
    "Draft",
    "Flag",
    "FlagKind",
    "OutboxMessage",
    "OutboxStatus",
    "Partnerships",
    "ReminderKind",
    "SweepReport",
    "active_members",
    "chunks",
    "deliver_soon",
    "draft",
    "flag",
    "flag_subject",
    "known_zone",
    "local_when",
    "long_date",
    "no_id",
    "notify",
    "open_flags",
    "opted_out",
    "pending_row",
    "people",
    "queue_content",
    "queue_email",
    "queue_unwritten",
    "render_email",
    "resolve_flags",
    "sweep",
    "sweep_step",
    "upcoming",
    "wants",
    "withdraw_pending",
    "writer",
]
