"""Who answers information-sharing questions: the partnership's legal advisors and its
facilitators."""

from __future__ import annotations

from partnerhub.partnerships.models import Membership
from partnerhub.permissions import MANAGE, Action, can, rule


@rule(Action.QUESTION_ANSWER)
def may_answer(membership: Membership, _question: object = None) -> bool:
    """Facilitators, and whoever the roster marks as a legal advisor (a judge serving as an
    observer answers too)."""
    return can(membership, MANAGE) or membership.is_legal_advisor
