"""Routes of the notifications module: the admins' outbox and a partnership's failed mail."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from partnerhub import permissions
from partnerhub.db import utcnow
from partnerhub.errors import InvalidTransition, NotFound
from partnerhub.extensions import database
from partnerhub.notifications import outbox
from partnerhub.partnerships.registry import panel
from partnerhub.web import load_partnership

blueprint = Blueprint("notifications", __name__)


def admin_only(view):
    """Site administrators only: others get 403, anonymous visitors the login page."""

    @login_required
    @wraps(view)
    def guarded(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return guarded


@blueprint.route("/admin/outbox")
@admin_only
def outbox_page():
    """Every email the product sends, by status, newest first."""
    shown = request.args.get("status", "pending")
    if shown not in outbox.OUTBOX_FILTERS:
        abort(404)
    session = database.session
    return render_template(
        "notifications/outbox.html",
        shown=shown,
        counts=outbox.outbox_counts(session),
        messages=outbox.outbox_listing(session, shown),
    )


@blueprint.route("/admin/outbox/<int:message_id>/retry", methods=["POST"])
@admin_only
def retry(message_id: int):
    """Queue a failed or cancelled message again."""
    return _change(outbox.retry_message, message_id, "The message will be sent again shortly.")


@blueprint.route("/admin/outbox/<int:message_id>/cancel", methods=["POST"])
@admin_only
def cancel(message_id: int):
    """Withdraw a message still waiting to be sent."""
    return _change(outbox.cancel_message, message_id, "The message was cancelled.")


@blueprint.route("/partnerships/<int:partnership_id>/failed-mail")
@login_required
def failed_mail(partnership_id: int):
    """The partnership's emails the mail server refused, for its facilitators to follow up."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    messages = outbox.failed_mail(database.session, partnership.id)
    return render_template(
        "notifications/failed_mail.html", partnership=partnership, messages=messages
    )


@panel("notifications/_failed_mail_panel.html", order=90)
def failed_mail_panel(session, partnership, _today) -> dict:
    """The overview's warning to facilitators that emails to members failed."""
    return {"count": outbox.failed_mail_count(session, partnership.id)}


def _change(service, message_id: int, done: str):
    session = database.session
    try:
        message = service(session, current_user, message_id, utcnow())
        session.commit()
    except NotFound:
        abort(404)
    except InvalidTransition as error:
        session.rollback()
        flash(str(error), "warning")
        return redirect(url_for(".outbox_page"))
    flash(done, "success")
    shown = next(k for k, v in outbox.OUTBOX_FILTERS.items() if message.status in v)
    return redirect(url_for(".outbox_page", status=shown))
