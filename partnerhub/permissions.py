"""Who may do what: pure functions used by views and templates alike.

Access to a partnership goes through the viewer's active membership in it. A person who is
not a member gets 404 for its pages (views use `load_partnership`), so its existence stays
private. Site admins manage accounts; where they are not members they may read a
partnership's pages as an `AdministratorView` (every look is audited) and never change it.

Role actions are decided here; object actions ("may this member sign for this party?") by a
rule each domain declares in its own `permissions.py`, loaded by the app factory. Asking about
an object action whose rule was not loaded is an error, never a silent "no".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from importlib import import_module

from partnerhub.partnerships.models import Membership, Role

RULE_MODULES = (
    "partnerhub.meetings.permissions",
    "partnerhub.procedures.permissions",
    "partnerhub.agreements.permissions",
    "partnerhub.questions.permissions",
)


class Action(StrEnum):
    VIEW = "view"  # read a partnership's pages
    CONTRIBUTE = "contribute"  # members' writes: answer invitations, propose items, own agency's
    MANAGE = "manage"  # facilitators: roster, agencies, stages, meetings, minutes
    PROCEDURE_EDIT = "procedure.edit"
    FLOW_EDIT = "flow.edit"
    ACTION_ITEM_UPDATE = "action_item.update"
    AGREEMENT_SIGN = "agreement.sign"
    AGENCY_SIGN_OFF = "agency.sign_off"  # sign off procedure versions for an agency
    QUESTION_ANSWER = "question.answer"  # answer information-sharing questions
    AGENCY_SIGN_OFF_RECORD = "agency.record_sign_off"  # … or record it on the agency's behalf


VIEW, CONTRIBUTE, MANAGE = Action.VIEW, Action.CONTRIBUTE, Action.MANAGE

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.FACILITATOR: frozenset({VIEW, CONTRIBUTE, MANAGE}),
    Role.MEMBER: frozenset({VIEW, CONTRIBUTE}),
    Role.OBSERVER: frozenset({VIEW}),
}
ROLE_ONLY = frozenset({VIEW, CONTRIBUTE, MANAGE})


@dataclass(frozen=True)
class AdministratorView:
    """A site administrator reading a partnership they are not a member of, in place of a
    membership: it reads as an observer's with no agency, and may do nothing but view."""

    user: object
    partnership_id: int
    id: None = None
    partner_agency_id: None = None
    role: Role = Role.OBSERVER
    position: str = ""
    is_legal_advisor: bool = False
    is_signatory: bool = False
    is_active: bool = True


Rule = Callable[[Membership, object], bool]
_object_rules: dict[Action, Rule] = {}


def rule(action: Action) -> Callable[[Rule], Rule]:
    """Declare the object-level rule for `action`."""

    def register(fn: Rule) -> Rule:
        _object_rules[Action(action)] = fn
        return fn

    return register


def load_rules() -> None:
    """Import every domain's rules (the app factory calls this once)."""
    for module in RULE_MODULES:
        import_module(module)


def can(
    membership: Membership | AdministratorView | None, action: Action | str, obj: object = None
) -> bool:
    """True when the holder of `membership` may perform `action` (on `obj`)."""
    action = Action(action)
    if membership is None or not membership.is_active:
        return False
    if isinstance(membership, AdministratorView):
        return action is VIEW
    if action in ROLE_ONLY:
        return action in ROLE_ACTIONS[membership.role]
    if action not in _object_rules:
        raise LookupError(f"no rule is loaded for {action!r}; see RULE_MODULES")
    return _object_rules[action](membership, obj)
