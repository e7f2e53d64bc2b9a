"""Private calendar feeds: a secret URL per person (and partnership) that calendar programs
subscribe to."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import NamedTuple

from dateutil.relativedelta import relativedelta
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from partnerhub.auth.models import User
from partnerhub.auth.services import new_token, token_digest
from partnerhub.db import read_rows
from partnerhub.meetings.models import (
    CalendarFeed,
    Meeting,
)
from partnerhub.partnerships.models import Membership, Partnership


def subscribe(session: Session, user: User, partnership_id: int | None, now: datetime) -> str:
    """A new private feed URL token for `user` (of one partnership, or of all their meetings).

    An earlier feed of the same kind is revoked: the old URL stops working.
    """
    unsubscribe(session, user, partnership_id, now)
    raw, digest = new_token()
    session.add(
        CalendarFeed(
            token_hash=digest, user_id=user.id, partnership_id=partnership_id, created_at=now
        )
    )
    session.flush()
    return raw


def unsubscribe(session: Session, user: User, partnership_id: int | None, now: datetime) -> int:
    """Revoke the user's active feed of that kind; how many were revoked."""
    feeds = session.scalars(select(CalendarFeed).where(*_active(user, partnership_id))).all()
    for feed in feeds:
        feed.revoked_at = now
    return len(feeds)


def feed_since(session: Session, user: User, partnership_id: int | None) -> datetime | None:
    """When the user's active feed of that kind was made, or None when there is none: all
    a page says of it (the feed itself would be read with its owner joined)."""
    return session.scalar(select(CalendarFeed.created_at).where(*_active(user, partnership_id)))


def _active(user: User, partnership_id: int | None) -> tuple:
    """The conditions that pick the user's active feed of that kind."""
    return (
        CalendarFeed.user_id == user.id,
        CalendarFeed.partnership_id.is_(None)
        if partnership_id is None
        else CalendarFeed.partnership_id == partnership_id,
        CalendarFeed.revoked_at.is_(None),
    )


def feed_for_token(session: Session, raw: str) -> CalendarFeed | None:
    """The active feed a URL token opens, while its owner may still see what it shows."""
    feed = session.scalar(_feed_of_token(), {"token_hash": token_digest(raw)})
    if feed is None or not feed.user.is_active:
        return None
    if feed.partnership_id is not None and not session.scalar(
        select(Membership.id).where(
            Membership.partnership_id == feed.partnership_id,
            Membership.user_id == feed.user_id,
            Membership.left_at.is_(None),
        )
    ):
        return None
    return feed


# A calendar program asks for its feed again and again: the statements of each ask are built
# once, as building them and their keys in SQLAlchemy's cache cost more than running them.


@cache
def _feed_of_token() -> Select:
    return select(CalendarFeed).where(
        CalendarFeed.token_hash == bindparam("token_hash"), CalendarFeed.revoked_at.is_(None)
    )


# Past meetings a feed keeps unless configured (PARTNERHUB_CALENDAR_HISTORY_MONTHS).
HISTORY_MONTHS = 24


def history_start(now: datetime, months: int = HISTORY_MONTHS) -> datetime:
    """The earliest start of a meeting a feed still shows."""
    return now - relativedelta(months=months)


def feed_meetings(
    session: Session, feed: CalendarFeed, now: datetime, months: int = HISTORY_MONTHS
) -> list[tuple[Meeting, str]]:
    """The meetings a feed shows (from `months` back), each with its time zone."""
    scope = _feed_scope(feed.partnership_id is not None)
    return _meetings_with_zone(session, scope, _feed_values(feed, now, months))


class FeedVersion(NamedTuple):
    """What changes whenever a feed would: which meetings it shows (how many, and the sum of
    their ids: one dropped and another added changes it), the sum of their SEQUENCEs (bumped
    by every change a calendar must show) and the latest change of any of them or of their
    partnerships (name, time zone)."""

    meetings: int
    ids: int
    sequences: int
    changed: datetime | None


def feed_version(
    session: Session, feed: CalendarFeed, now: datetime, months: int = HISTORY_MONTHS
) -> FeedVersion:
    """The feed's version, in one cheap query (no meeting is loaded)."""
    query = _feed_version(feed.partnership_id is not None)
    count, ids, sequences, changed, renamed = read_rows(
        session, query, _feed_values(feed, now, months)
    ).one()
    latest = max((moment for moment in (changed, renamed) if moment is not None), default=None)
    return FeedVersion(count, int(ids), int(sequences), latest)


@cache
def _feed_version(of_partnership: bool) -> Select:
    return (
        select(
            func.count(Meeting.id),
            func.coalesce(func.sum(Meeting.id), 0),
            func.coalesce(func.sum(Meeting.sequence), 0),
            func.max(Meeting.updated_at),
            func.max(Partnership.updated_at),
        )
        .join(Partnership, Partnership.id == Meeting.partnership_id)
        .where(_feed_scope(of_partnership), Meeting.starts_at >= bindparam("since"))
    )


def _feed_scope(of_partnership: bool):
    """The meetings of a partnership's feed, or of a person's, with the ids bound (see
    `_feed_values`)."""
    if of_partnership:
        return Meeting.partnership_id == bindparam("partnership_id")
    return _partnerships_of(bindparam("user_id"))


def _feed_values(feed: CalendarFeed, now: datetime, months: int) -> dict:
    return {
        "partnership_id": feed.partnership_id,
        "user_id": feed.user_id,
        "since": history_start(now, months),
    }


def user_meetings(
    session: Session, user_id: int, now: datetime, months: int = HISTORY_MONTHS
) -> list[tuple[Meeting, str]]:
    """A person's meetings in every partnership they are active in (from `months` back)."""
    scope = _partnerships_of(bindparam("user_id"))
    values = {"user_id": user_id, "since": history_start(now, months)}
    return _meetings_with_zone(session, scope, values)


def _partnerships_of(user_id: int):
    mine = select(Membership.partnership_id).where(
        Membership.user_id == user_id, Membership.left_at.is_(None)
    )
    return Meeting.partnership_id.in_(mine)


def _meetings_with_zone(session: Session, scope, values: dict) -> list[tuple[Meeting, str]]:
    query = (
        select(Meeting, Partnership.timezone)
        .join(Partnership, Partnership.id == Meeting.partnership_id)
        .where(scope, Meeting.starts_at >= bindparam("since"))
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return [(meeting, timezone) for meeting, timezone in session.execute(query, values)]
