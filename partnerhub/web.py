"""Request plumbing shared by every blueprint: loading with access checks, the one way a page
makes a change, headers, errors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, Response, abort, current_app, flash, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.interfaces import ORMOption
from werkzeug.middleware.proxy_fix import ProxyFix

from partnerhub import permissions
from partnerhub.audit.services import record
from partnerhub.db import utcnow
from partnerhub.errors import DomainError, NotFound
from partnerhub.extensions import database
from partnerhub.links import row_urls
from partnerhub.partnerships.models import Membership, Partnership

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def load_partnership(
    partnership_id: int, action: str = permissions.VIEW, *, loading: Sequence[ORMOption] = ()
) -> Partnership:
    """Load a partnership the current user belongs to (else 404) and check `action` (else 403).

    `loading` options load what the page needs of it in the same statement. The viewer's
    membership is kept in `g.membership` for templates and later checks. A site
    administrator who is not a member may read (GET) its pages as an `AdministratorView`:
    each look is written to the activity log, and any change is refused (403).
    """
    mine = _membership_of_viewer(tuple(loading))
    parameters = {"partnership_id": partnership_id, "user_id": current_user.id}
    row = database.session.execute(mine, parameters).unique().first()
    if row is None:
        return _administrator_look(partnership_id, action, loading)
    partnership, membership = row
    g.membership = membership
    require(action)
    return partnership


@cache
def _membership_of_viewer(loading: tuple[ORMOption, ...]) -> Select:
    # built once per set of options: every partnership page runs it, and building it took
    # longer than running it. The membership's user is the viewer, already in the session:
    # joining the users again cost a sixth of the statement.
    return (
        select(Partnership, Membership)
        .join(Membership, Membership.partnership_id == Partnership.id)
        .where(
            Partnership.id == bindparam("partnership_id"),
            Membership.user_id == bindparam("user_id"),
            Membership.left_at.is_(None),
        )
        .options(lazyload(Membership.user), *loading)
    )


def _administrator_look(partnership_id: int, action: str, loading) -> Partnership:
    if not current_user.is_admin:
        abort(404)
    partnership = database.session.get(Partnership, partnership_id, options=loading)
    if partnership is None:
        abort(404)
    g.membership = permissions.AdministratorView(current_user, partnership.id)
    g.administrator_view = True
    if request.method not in ("GET", "HEAD"):
        abort(403)
    require(action)
    if not g.get("administrator_look_recorded"):
        g.administrator_look_recorded = True
        apply(
            record,
            database.session,
            current_user,
            "partnership.administrator_viewed",
            partnership,
            f"Site administrator {current_user.name} looked at {request.path}",
            utcnow(),
            partnership_id=partnership.id,
            details={"endpoint": request.endpoint, "path": request.full_path.rstrip("?")},
        )
    return partnership


def require(action: str, obj: object = None) -> None:
    """Abort with 403 unless the current membership allows `action` (on `obj`)."""
    if not permissions.can(g.get("membership"), action, obj):
        abort(403)


@dataclass(frozen=True)
class Outcome:
    """What a change made from a page came to: the service's result, or why it was refused."""

    result: Any = None
    refusal: DomainError | None = None

    def __bool__(self) -> bool:
        return self.refusal is None


def apply(
    change: Callable[..., Any],
    *args,
    done: str | Callable[[Any], str] | None = None,
    at: Any = None,
    **kwargs,
) -> Outcome:
    """Make one change from a page in one transaction: every view writes through here.

    Runs `change(*args, **kwargs)` (a service call) and commits, then flashes `done` (text, or
    a function of the service's result). When a rule refuses the change (a DomainError),
    everything is rolled back and the reason is shown `at` a form field or a whole form, or
    where a {kind of refusal: field} mapping says (the view then shows the form again, with
    what was typed), else flashed as an error; an unknown object is a 404. Any other error
    rolls back and propagates.
    """
    session = database.session
    try:
        result = change(*args, **kwargs)
        session.commit()
    except NotFound:
        session.rollback()
        abort(404)
    except DomainError as refusal:
        session.rollback()
        _show_refusal(refusal, at)
        return Outcome(refusal=refusal)
    except BaseException:
        session.rollback()
        raise
    if done:
        flash(done(result) if callable(done) else done, "success")
    return Outcome(result)


def _show_refusal(refusal: DomainError, at) -> None:
    if isinstance(at, dict):  # {kind of refusal: where to show it}, first match wins
        at = next((place for kind, place in at.items() if isinstance(refusal, kind)), None)
    reason = str(refusal)
    if at is None:
        flash(reason, "error")
    elif hasattr(at, "form_errors"):
        at.form_errors.append(reason)
    else:
        at.errors = [*at.errors, reason]


def csv_download(text: str, filename: str) -> Response:
    """A CSV file (see `spreadsheets.csv_text`) the browser saves as `filename`."""
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def local_time(value, tz: str, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """Format a UTC timestamp in a time zone, e.g. the partnership's."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(tz)).strftime(fmt)


def this_page() -> str:
    """The page's own address with its query, for forms that post back to it (HTML does not
    allow the empty action Bootstrap-Flask writes by default)."""
    return request.full_path.rstrip("?")


def _security_headers(response):
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Behind a TLS-terminating proxy the request itself may look like plain HTTP.
    if request.is_secure or current_app.config["BASE_URL"].startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def _error_page(code: int, title: str, message: str):
    def handler(error):
        return render_template("errors/error.html", code=code, title=title, message=message), code

    return handler


def csrf_token() -> str:
    """The request's CSRF token for every form a template writes. Flask-WTF keeps it in
    `g.csrf_token` once made; its `generate_csrf` reads the configuration again at every
    call, a few microseconds for each button of a list."""
    return g.get("csrf_token") or generate_csrf()


def init_app(app: Flask) -> None:
    """Attach headers, error pages and template helpers to the app."""
    if proxies := int(app.config.get("TRUSTED_PROXIES", 0)):
        # The client's address (for login throttling) and scheme come from the proxy's headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.after_request(_security_headers)
    for code, title, message in (
        (400, "Bad request", "The request could not be understood. Go back and try again."),
        (403, "Not allowed", "Your role in this partnership does not allow that."),
        (404, "Not found", "There is nothing here, or you do not have access to it."),
        (413, "Too large", "That upload is larger than allowed. Choose a smaller file."),
        (
            429,
            "Too many attempts",
            "Too many attempts in a short time. Wait a few minutes, then try again.",
        ),
        (500, "Something went wrong", "The error was logged. Try again in a moment."),
    ):
        app.register_error_handler(code, _error_page(code, title, message))
    app.register_error_handler(
        CSRFError,
        _error_page(
            400,
            "Form expired",
            "The form was open too long or came from elsewhere. Reload the page and submit again.",
        ),
    )
    app.jinja_env.globals.update(
        can=permissions.can,
        csrf_token=csrf_token,
        permissions=permissions,
        row_urls=row_urls,
        this_page=this_page,
    )
    # Flask-WTF puts its own in both places: macros see the globals, pages their context.
    app.context_processor(lambda: {"csrf_token": csrf_token})
    app.jinja_env.filters["local_time"] = local_time
