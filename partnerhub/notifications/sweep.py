"""The reminder sweep's driver: what is due *now*, computed from the data, written to the
outbox once.

`sweep(session, now)` is run every few minutes (by beat, by cron through `partnerhub reminders
run`, or by hand); the caller commits. It may run twice, or twice at once, or after the workers
were down for days: every email it queues has an idempotency key, inserted ON CONFLICT DO
NOTHING, and every flag is raised once per threshold.

The steps are the domains' (see `registry`): meeting reminders and overdue action items
(meetings), renewal flags (agreements), review flags and sign-off requests (procedures), and
the daily digest (here). This module gives them what they share: the report, drafts rendered
once for many recipients, queuing, flags and who is an active member.

Emails need an app context (templates, SECRET_KEY, the public URL), which web, CLI and worker
have.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from markupsafe import escape
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from partnerhub.auth.models import User
from partnerhub.links import external_url
from partnerhub.notifications.flags import insert_new_ignoring_duplicates, raise_flag
from partnerhub.notifications.models import OutboxMessage, ReminderKind
from partnerhub.notifications.outbox import Content, pending_row, render_email
from partnerhub.notifications.preferences import opted_out, unsubscribe_headers, unsubscribe_token
from partnerhub.notifications.registry import registry
from partnerhub.partnerships.models import Membership, Partnership

log = logging.getLogger(__name__)

# Bound on the ids in one IN (…) list.
CHUNK = 5000


@dataclass
class SweepReport:
    """What one sweep did, for logs, the CLI and tests."""

    queued: int = 0
    skipped: int = 0
    cancelled: int = 0
    flags_raised: int = 0
    flags_resolved: int = 0
    queued_by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def __str__(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.queued_by_kind.items()) if n)
        return (
            f"queued {self.queued} email(s){f' ({kinds})' if kinds else ''}, "
            f"skipped {self.skipped}, cancelled {self.cancelled}, "
            f"flags raised {self.flags_raised}, resolved {self.flags_resolved}"
        )


@dataclass(frozen=True)
class Partnerships:
    """Every partnership's name, and their ids grouped by the date it is in their time zone."""

    names: dict[int, str]
    by_today: dict[date, list[int]]

    @classmethod
    def at(cls, session: Session, now: datetime) -> Partnerships:
        names, by_today = {}, defaultdict(list)
        for row in session.execute(select(Partnership.id, Partnership.name, Partnership.timezone)):
            names[row.id] = row.name
            by_today[now.astimezone(ZoneInfo(row.timezone)).date()].append(row.id)
        return cls(names, dict(by_today))


def sweep(session: Session, now: datetime) -> SweepReport:
    """Queue every reminder and raise every flag due at `now`; the caller commits."""
    if not registry.steps:
        raise RuntimeError("no sweep steps are registered; the app factory loads them")
    report = SweepReport()
    partnerships = Partnerships.at(session, now)
    for _order, step in registry.steps:
        step(session, now, partnerships, report)
    log.info("reminder sweep at %s: %s", now.isoformat(), report)
    return report


# --- emails ----------------------------------------------------------------------------------

# Stand-ins rendered into a template once and replaced per recipient (escaped for HTML).
_NAME, _UNSUBSCRIBE, _TOKEN = "\x00name\x00", "\x00unsubscribe\x00", "TOKEN"


@dataclass
class Draft:
    """An email rendered once, addressed to many recipients."""

    kind: ReminderKind
    subject: str
    text: str
    html: str
    partnership_id: int
    about: str
    ics: str | None = None
    # The unsubscribe link with a stand-in for each recipient's token.
    unsubscribe_url: str = ""

    def content_for(self, user: User) -> Content:
        """The email as one recipient gets it: their name, their unsubscribe link."""
        token = unsubscribe_token(current_app.config["SECRET_KEY"], user.id, self.kind)
        url = self.unsubscribe_url.replace(_TOKEN, token)
        return Content(
            self.subject,
            self.text.replace(_NAME, user.name).replace(_UNSUBSCRIBE, url),
            self.html.replace(_NAME, str(escape(user.name))).replace(
                _UNSUBSCRIBE, str(escape(url))
            ),
            self.ics,
            unsubscribe_headers(url),
        )

    def row(self, key: str, user: User, now: datetime) -> dict:
        """The outbox row for one recipient."""
        return pending_row(
            key,
            self.kind.value,
            user.email,
            now,
            partnership_id=self.partnership_id,
            user_id=user.id,
            about=self.about,
            **self.content_for(user).columns(),
        )


def draft(kind: ReminderKind, template: str, subject: str, *, partnership_id, about, **context):
    """Render a reminder's text and HTML twins once, with stand-ins for the recipient."""
    text, html = render_email(
        template, recipient_name=_NAME, unsubscribe_url=_UNSUBSCRIBE, **context
    )
    unsubscribe_url = external_url("notifications.unsubscribe", token=_TOKEN)
    return Draft(
        kind, subject, text, html, partnership_id, about, context.get("ics"), unsubscribe_url
    )


def queue_rows(session: Session, rows: list[dict], report: SweepReport) -> int:
    """Insert outbox rows whose keys are new; returns how many were queued."""
    queued = 0
    for batch in chunks(rows):
        queued += insert_new_ignoring_duplicates(session, OutboxMessage, batch, "idempotency_key")
    report.queued += queued
    if rows:
        report.queued_by_kind[rows[0]["kind"]] += queued
    return queued


def chunks(items: Iterable) -> Iterator[list]:
    """The items in lists of at most CHUNK (ids in one IN (…), rows in one statement)."""
    items = list(items)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


# --- who is told, and flags ------------------------------------------------------------------


def active_members(partnership_ids, *conditions):
    """The partnerships' active members with active accounts (matching any of `conditions`)."""
    query = (
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.partnership_id.in_(list(partnership_ids)),
            Membership.left_at.is_(None),
            User.is_active.is_(True),
        )
        .order_by(Membership.id)
    )
    return query.where(or_(*conditions)) if conditions else query


def people(session, partnership_id: int, *conditions) -> list[Membership]:
    """A partnership's active members with active accounts matching any of `conditions`."""
    return list(session.scalars(active_members([partnership_id], *conditions)))


def notify(
    session,
    kind,
    template,
    subject,
    *,
    key,
    to,
    about,
    partnership_id,
    names,
    now,
    report,
    **context,
) -> None:
    """Render one flag email and queue it to each member in `to` who has not opted out."""
    email = draft(
        kind,
        template,
        f"{subject} ({names[partnership_id]})",
        partnership_id=partnership_id,
        about=about,
        partnership_name=names[partnership_id],
        flags_link=external_url("notifications.flags", partnership_id=partnership_id),
        **context,
    )
    users = {m.user_id: m.user for m in to}
    refusing = opted_out(session, kind, users)
    rows = [
        email.row(f"{key}:{user_id}", user, now)
        for user_id, user in users.items()
        if user_id not in refusing
    ]
    queue_rows(session, rows, report)


def flag(session, kind, subject: str, flagged, due_on, threshold, today, report):
    """Raise (or keep) the flag on `flagged`, known as `subject` ("agreement:3"); returns
    (the flag, the threshold it had before this call or None when just raised)."""
    flag, previous = raise_flag(
        session,
        kind=kind,
        partnership_id=flagged.partnership_id,
        subject=subject,
        title=flagged.title,
        due_on=due_on,
        threshold=threshold,
        today=today,
    )
    report.flags_raised += previous is None
    return flag, previous
