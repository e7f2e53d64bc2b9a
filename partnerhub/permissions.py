"""Who may do what: pure functions used by views and templates alike.

Access to a partnership goes through the viewer's active membership in it. A person who is
not a member gets 404 for its pages (views use `load_partnership`), so its existence stays
private. Site admins manage accounts; they see partnerships only where they are members.
"""

from __future__ import annotations

from collections.abc import Callable

from partnerhub.partnerships.models import Membership, Role

VIEW = "view"  # read a partnership's pages
CONTRIBUTE = "contribute"  # members' writes: answer invitations, propose items, own agency's work
MANAGE = "manage"  # facilitators: roster, agencies, stages, meetings, minutes

ROLE_ACTIONS: dict[Role, frozenset[str]] = {
    Role.FACILITATOR: frozenset({VIEW, CONTRIBUTE, MANAGE}),
    Role.MEMBER: frozenset({VIEW, CONTRIBUTE}),
    Role.OBSERVER: frozenset({VIEW}),
}

Rule = Callable[[Membership, object], bool]
_object_rules: dict[str, Rule] = {}


def rule(action: str) -> Callable[[Rule], Rule]:
    """Register an object-level rule for `action` (e.g. "procedure.edit")."""

    def register(fn: Rule) -> Rule:
        _object_rules[action] = fn
        return fn

    return register


def can(membership: Membership | None, action: str, obj: object = None) -> bool:
    """True when the holder of `membership` may perform `action` (on `obj`)."""
    if membership is None or not membership.is_active:
        return False
    if action in _object_rules:
        return _object_rules[action](membership, obj)
    return action in ROLE_ACTIONS[membership.role]
