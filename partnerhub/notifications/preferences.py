"""Which reminders each user wants, one-click unsubscribe links, and who will receive what."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from partnerhub.auth.models import User
from partnerhub.notifications.models import NotificationPreference, ReminderKind
from partnerhub.partnerships.models import Membership, PartnerAgency, Partnership, Role
from partnerhub.permissions import Action, can

UNSUBSCRIBE_SALT = "partnerhub.unsubscribe"


def preferences_of(session: Session, user: User) -> dict[ReminderKind, bool]:
    """Every reminder kind mapped to whether `user` wants it."""
    choices = {kind: kind.wanted_by_default for kind in ReminderKind}
    rows = session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id)
    )
    for row in rows:
        choices[row.kind] = row.enabled
    return choices


def set_preference(
    session: Session, user_id: int, kind: ReminderKind, enabled: bool, now: datetime
) -> None:
    """Record whether `user_id` wants reminders of `kind`."""
    row = session.scalar(
        select(NotificationPreference).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind == kind
        )
    )
    if row is None:
        row = NotificationPreference(user_id=user_id, kind=kind)
        session.add(row)
    row.enabled = enabled
    row.updated_at = now
    session.flush()


def save_preferences(
    session: Session, user: User, choices: dict[ReminderKind, bool], now: datetime
) -> None:
    """Record the user's choice for every kind given."""
    for kind, enabled in choices.items():
        set_preference(session, user.id, kind, enabled, now)


def opted_out(session: Session, kind: ReminderKind, user_ids: Iterable[int]) -> set[int]:
    """The users among `user_ids` who do not get reminders of `kind`: they turned it off, or
    never asked for a kind that is off by default."""
    ids = set(user_ids)
    if not ids:
        return set()
    wanting = session.scalars(select(User.id).where(User.id.in_(ids), wants(kind, User.id)))
    return ids - set(wanting)


def wants(kind: ReminderKind, user_id: ColumnElement[int]) -> ColumnElement[bool]:
    """A condition true where the user in `user_id` gets reminders of `kind`: not turned off,
    or, for a kind off by default, turned on."""
    chosen = exists().where(
        NotificationPreference.user_id == user_id,
        NotificationPreference.kind == kind,
        NotificationPreference.enabled.is_(not kind.wanted_by_default),
    )
    return chosen if not kind.wanted_by_default else ~chosen


# --- one-click unsubscribe (RFC 8058) ---------------------------------------------------------


@lru_cache(maxsize=8)
def _signer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(secret: str, user_id: int, kind: ReminderKind) -> str:
    """A signed token naming a user and a reminder kind; it does not expire."""
    return _signer(secret).dumps([user_id, kind.value])


def read_unsubscribe_token(secret: str, token: str) -> tuple[int, ReminderKind] | None:
    """The (user id, kind) a token names, or None when it was not signed by us."""
    try:
        user_id, kind = _signer(secret).loads(token)
        return int(user_id), ReminderKind(kind)
    except (BadSignature, ValueError, TypeError):
        return None


def unsubscribe_headers(url: str) -> dict[str, str]:
    """The headers that let mail programs offer a one-click unsubscribe button."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# --- who will receive what --------------------------------------------------------------------


@dataclass(frozen=True)
class RecipientRow:
    """One member and, per reminder kind, "yes", "opted out", "inactive" or "" (not concerned)."""

    membership: Membership
    receives: dict[ReminderKind, str]


def concerned_kinds(membership: Membership, agencies: list[PartnerAgency]) -> set[ReminderKind]:
    """The reminder kinds that reach this member through their role on the roster."""
    liaisons = {a.liaison_id for a in agencies} | {a.alternate_id for a in agencies}
    kinds = {
        ReminderKind.MEETING_REMINDER,
        ReminderKind.MEETING_CHANGE,
        ReminderKind.ACTION_ITEM_OVERDUE,
        ReminderKind.DAILY_DIGEST,
        ReminderKind.FINAL_MINUTES,
    }
    if membership.role is Role.FACILITATOR or membership.is_signatory:
        kinds.add(ReminderKind.AGREEMENT_RENEWAL)
    if membership.role is Role.FACILITATOR or membership.id in liaisons:
        kinds.add(ReminderKind.PROCEDURE_REVIEW)
    if membership.role is Role.FACILITATOR or membership.id in {a.liaison_id for a in agencies}:
        kinds.add(ReminderKind.AGENCY_ABSENCE)
    if any(can(membership, Action.AGENCY_SIGN_OFF, agency) for agency in agencies):
        kinds.add(ReminderKind.SIGN_OFF_REQUEST)
    if membership.role is Role.FACILITATOR or membership.id in {a.liaison_id for a in agencies}:
        kinds.add(ReminderKind.TRAINING_LAPSE)
    return kinds


def recipients_overview(session: Session, partnership: Partnership) -> list[RecipientRow]:
    """Every active member with what reminders they will receive, for facilitators."""
    memberships = session.scalars(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.partnership_id == partnership.id, Membership.left_at.is_(None))
        .order_by(User.name)
    ).all()
    agencies = session.scalars(
        select(PartnerAgency).where(
            PartnerAgency.partnership_id == partnership.id, PartnerAgency.left_on.is_(None)
        )
    ).all()
    user_ids = [m.user_id for m in memberships]
    refused = {kind: opted_out(session, kind, user_ids) for kind in ReminderKind}
    rows = []
    for membership in memberships:
        concerned = concerned_kinds(membership, agencies)
        receives = {}
        for kind in ReminderKind:
            if kind not in concerned:
                receives[kind] = ""
            elif not membership.user.is_active:
                receives[kind] = "inactive"
            elif membership.user_id in refused[kind]:
                receives[kind] = "opted out" if kind.wanted_by_default else "off"
            else:
                receives[kind] = "yes"
        rows.append(RecipientRow(membership, receives))
    return rows
