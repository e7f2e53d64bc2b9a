"""Routes of the notifications module."""

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
from partnerhub.errors import DomainError, NotFound
from partnerhub.extensions import csrf, database
from partnerhub.notifications import flags as flag_service
from partnerhub.notifications import preferences
from partnerhub.notifications.forms import AcknowledgeFlagForm, PreferencesForm
from partnerhub.notifications.models import ReminderKind
from partnerhub.partnerships.registry import add_tab
from partnerhub.web import load_partnership

blueprint = Blueprint("notifications", __name__)

# --- reminders: email preferences, one-click unsubscribe, flags, who receives what ----------

add_tab("Flags", "notifications.flags", order=80)


@blueprint.route("/account/email-preferences", methods=["GET", "POST"])
@login_required
def email_preferences():
    """Choose which reminder emails to receive."""
    form = PreferencesForm()
    if form.validate_on_submit():
        preferences.save_preferences(database.session, current_user, form.choices(), utcnow())
        database.session.commit()
        flash("Your email preferences are saved.", "success")
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
        preferences.set_preference(database.session, user.id, kind, False, utcnow())
        database.session.commit()
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
    try:
        flag_service.acknowledge(
            database.session, current_user, partnership.id, flag_id, form.note.data, utcnow()
        )
    except NotFound:
        abort(404)
    except DomainError as error:
        database.session.rollback()
        flash(str(error), "error")
    else:
        database.session.commit()
        flash("Flag acknowledged.", "success")
    return redirect(url_for("notifications.flags", partnership_id=partnership.id))


def _flags_page(partnership, failed_flag_id, failed_form):
    flags = flag_service.partnership_flags(database.session, partnership.id)
    if failed_flag_id is not None and all(f.id != failed_flag_id for f in flags):
        abort(404)
    forms = {
        flag.id: failed_form if flag.id == failed_flag_id else AcknowledgeFlagForm(formdata=None)
        for flag in flags
        if flag.is_open
    }
    return render_template(
        "notifications/flags.html",
        partnership=partnership,
        flags=flags,
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
