"""What the partnerships pages share: lookups that 404, a facilitator's change, links."""

from __future__ import annotations

from flask import (
    abort,
)
from flask_login import current_user

from partnerhub.db import utcnow
from partnerhub.errors import NotFound
from partnerhub.extensions import database
from partnerhub.links import external_url
from partnerhub.partnerships import (
    checks,  # noqa: F401  (registers the stage checklist items)
    services,
)
from partnerhub.partnerships.forms import RosterEntryForm
from partnerhub.partnerships.models import Role
from partnerhub.web import Outcome, apply


def _found(fn, *args):
    """Run a lookup service; an object outside this partnership is a 404."""
    try:
        return fn(database.session, *args)
    except NotFound:
        abort(404)


def _change(action, *args, done) -> Outcome:
    """A facilitator's change through one service: `action(session, actor, *args)`."""
    return apply(action, database.session, current_user, *args, done=done)


def _today(partnership):
    return services.local_today(partnership, utcnow())


def _invitation_link(raw_token: str) -> str:
    return external_url("partnerships.accept_invitation", token=raw_token)


def _entry(form: RosterEntryForm) -> services.RosterEntry:
    return services.RosterEntry(
        role=Role(form.role.data),
        partner_agency_id=form.agency.data or None,
        position=form.position.data or "",
        is_legal_advisor=form.is_legal_advisor.data,
        is_signatory=form.is_signatory.data,
    )
