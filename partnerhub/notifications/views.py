"""Routes of the notifications module: email preferences, unsubscribe, flags, who receives
what; the admins' outbox and a partnership's failed mail."""

from __future__ import annotations

from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from partnerhub import permissions
from partnerhub.auth.models import User
from partnerhub.db import utcnow
from partnerhub.extensions import csrf, database
from partnerhub.identifiers import IdentifiersFound
from partnerhub.notifications import flags as flag_service
from partnerhub.notifications import outbox, preferences
from partnerhub.notifications.forms import AcknowledgeFlagForm, PreferencesForm
from partnerhub.notifications.models import ReminderKind
from partnerhub.partnerships.registry import add_tab, panel
from partnerhub.partnerships.snapshot import facts
from partnerhub.web import apply, load_partnership

blueprint = Blueprint("notifications", __name__)

# --- reminders: email preferences, one-click unsubscribe, flags, who receives what ----------

add_tab(
    "Flags", "notifications.flags", order=82, section="act", covers=("notifications.acknowledge",)
)


@blueprint.route("/account/email-preferences", methods=["GET", "POST"])
@login_required
def email_preferences():
    """Choose which reminder emails to receive."""
    form = PreferencesForm()
    if form.validate_on_submit() and apply(
        preferences.save_preferences,
        database.session,
        current_user,
        form.choices(),
        utcnow(),
        done="Your email preferences are saved.",
    ):
        return redirect(url_for("notifications.email_preferences"))
    if not form.is_submitted():
        for kind, wanted in preferences.preferences_of(database.session, current_user).items():
            form[kind.value].data = wanted
    return render_template("notifications/preferences.html", form=form)


@blueprint.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """One-click unsubscribe (RFC 8058): GET asks, POST (from the page or a mail program) acts."""
    named = preferences.read_unsubscribe_token(current_app.config["SECRET_KEY"], token)
    user = database.session.get(User, named[0]) if named else None
    if user is None:
        abort(404)
    kind = named[1]
    if request.method == "POST":
        apply(preferences.set_preference, database.session, user.id, kind, False, utcnow())
    return render_template(
        "notifications/unsubscribe.html",
        user=user,
        kind=kind,
        token=token,
        done=request.method == "POST",
    )


@blueprint.route("/partnerships/<int:partnership_id>/flags")
@login_required
def flags(partnership_id: int):
    """Agreements due for renewal, procedures due for review and overdue action items."""
    partnership = load_partnership(partnership_id)
    return _flags_page(partnership, None, None)


@blueprint.route(
    "/partnerships/<int:partnership_id>/flags/<int:flag_id>/acknowledge", methods=["POST"]
)
@login_required
def acknowledge_flag(partnership_id: int, flag_id: int):
    """Acknowledge a flag with a note saying what is being done about it."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    form = AcknowledgeFlagForm()
    if not form.validate_on_submit():
        return _flags_page(partnership, flag_id, form)
    acknowledged = apply(
        flag_service.acknowledge,
        database.session,
        current_user,
        partnership.id,
        flag_id,
        form.note.data,
        utcnow(),
        keep_reason=form.kept_reason,
        done="Flag acknowledged.",
        at={IdentifiersFound: form.keep_reason},
    )
    if isinstance(acknowledged.refusal, IdentifiersFound):  # shown at the form, as typed
        return _flags_page(partnership, flag_id, form)
    return redirect(url_for("notifications.flags", partnership_id=partnership.id))


def _flags_page(partnership, failed_flag_id, failed_form):
    flags = flag_service.partnership_flags(database.session, partnership.id)
    if failed_flag_id is not None:
        failed = next((f for f in flags if f.id == failed_flag_id), None) or abort(404)
        if not failed.is_open:  # acknowledged meanwhile: there is no form to show again
            flash("That flag is already acknowledged or resolved.", "info")
            return redirect(url_for("notifications.flags", partnership_id=partnership.id))
    # One blank form serves every open flag (each renders it with its own ids and action);
    # only a refused note has a form of its own, holding what was typed.
    blank = AcknowledgeFlagForm(formdata=None)
    forms = {
        flag.id: failed_form if flag.id == failed_flag_id else blank
        for flag in flags
        if flag.is_open
    }
    return render_template(
        "notifications/flags.html",
        partnership=partnership,
        flags=flags,
        owners=flag_service.flag_owners(database.session, flags),
        forms=forms,
        membership=g.membership,
    )


@blueprint.route("/partnerships/<int:partnership_id>/recipients")
@login_required
def recipients(partnership_id: int):
    """Who on the roster will receive which reminders."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    rows = preferences.recipients_overview(database.session, partnership)
    return render_template(
        "notifications/preferences_recipients.html",
        partnership=partnership,
        rows=rows,
        kinds=list(ReminderKind),
    )


# --- outbox: the admins' page, retry and cancel; failed mail for facilitators -------------


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
def failed_mail_panel(session, partnership, today) -> dict:
    """The overview's warning to facilitators that emails to members failed."""
    return {"count": facts(session, [partnership.id], today)[partnership.id]["failed_mail"]}


def _change(service, message_id: int, done: str):
    changed = apply(service, database.session, current_user, message_id, utcnow(), done=done)
    if not changed:
        return redirect(url_for(".outbox_page"))
    status = changed.result.status
    shown = next(k for k, v in outbox.OUTBOX_FILTERS.items() if status in v)
    return redirect(url_for(".outbox_page", status=shown))
