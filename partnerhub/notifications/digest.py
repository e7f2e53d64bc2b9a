"""The daily digest, for those who ask for it: at 7:00 their time, the open flags and the coming
week's meetings of their partnerships, once a day."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from partnerhub.auth.models import User
from partnerhub.links import external_url
from partnerhub.notifications.flags import open_flags
from partnerhub.notifications.models import Flag, ReminderKind
from partnerhub.notifications.preferences import wants
from partnerhub.notifications.registry import registry, sweep_step
from partnerhub.notifications.sweep import SweepReport, draft, queue_rows
from partnerhub.notifications.wording import known_zone, long_date
from partnerhub.partnerships.models import Membership, Partnership

# When the digest goes out, in each subscriber's own time zone; meetings it lists ahead.
DIGEST_TIME = time(7, 0)
DIGEST_AHEAD = timedelta(days=7)


@dataclass(frozen=True)
class DigestSection:
    """One partnership in a digest: its open flags and its meetings of the coming week."""

    partnership: Partnership
    flags: list[Flag]
    meetings: list[dict]
    link: str | None


@sweep_step(order=90)
def queue_daily_digests(
    session: Session, now: datetime, _partnerships, report: SweepReport
) -> None:
    """Queue today's digest to each subscriber whose local time has reached 7:00 (once a
    day, by key; a sweep after downtime still sends the day's digest), unless their
    partnerships have nothing to report."""
    subscribers = session.scalars(
        select(User)
        .where(wants(ReminderKind.DAILY_DIGEST, User.id), User.is_active.is_(True))
        .order_by(User.id)
    ).all()
    due = {}
    for user in subscribers:
        local = now.astimezone(ZoneInfo(user.timezone if known_zone(user.timezone) else "UTC"))
        if local.time() >= DIGEST_TIME:
            due[user.id] = (user, local.date())
    sections = _digest_sections(session, due, now)
    rows = []
    for user, day in due.values():
        if sections[user.id]:
            email = draft(
                ReminderKind.DAILY_DIGEST,
                "daily_digest",
                f"PartnerHub digest for {long_date(day)}",
                partnership_id=None,
                about=f"digest:{day.isoformat()}",
                day=long_date(day),
                sections=sections[user.id],
            )
            rows.append(email.row(f"daily-digest:{user.id}:{day.isoformat()}", user, now))
    queue_rows(session, rows, report)


def _digest_sections(session, due, now) -> dict[int, list[DigestSection]]:
    """Each due subscriber's partnerships that have open flags or meetings this week."""
    memberships = session.execute(
        select(Membership.user_id, Partnership)
        .join(Partnership, Partnership.id == Membership.partnership_id)
        .where(Membership.user_id.in_(due), Membership.left_at.is_(None))
        .order_by(Partnership.name)
    ).all()
    partnership_ids = {partnership.id for _u, partnership in memberships}
    flags = defaultdict(list)
    for flag in open_flags(session, partnership_ids):
        flags[flag.partnership_id].append(flag)
    meetings = defaultdict(list)
    for source in registry.upcoming:
        for partnership_id, items in source(session, partnership_ids, now).items():
            meetings[partnership_id].extend(items)
    sections = defaultdict(list)
    for user_id, partnership in memberships:
        if flags[partnership.id] or meetings[partnership.id]:
            link = external_url("partnerships.overview", partnership_id=partnership.id)
            sections[user_id].append(
                DigestSection(partnership, flags[partnership.id], meetings[partnership.id], link)
            )
    return sections
