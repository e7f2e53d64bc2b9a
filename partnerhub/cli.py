"""The `partnerhub` command: run the product, migrate, create users, load a demo."""

from __future__ import annotations

import os
import secrets
import sys

import click
from sqlalchemy import func, select

from partnerhub import create_app, migrate
from partnerhub.auth import services as accounts
from partnerhub.auth.models import User
from partnerhub.db import utcnow
from partnerhub.errors import DomainError


def _app(ctx: click.Context):
    if ctx.obj is None:
        ctx.obj = create_app()
    return ctx.obj


def _database(app):
    return app.extensions["partnerhub.database"]


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """PartnerHub: run community information-sharing partnerships."""
    # ctx.obj stays as given (tests pass an app); the app is otherwise built on first use.


@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Apply migrations up to REVISION."""
    app = _app(ctx)
    migrate.upgrade(app.config["DATABASE_URL"], revision)
    click.echo(f"Database at revision {revision}.")


@db.command("downgrade")
@click.argument("revision")
@click.pass_context
def db_downgrade(ctx: click.Context, revision: str) -> None:
    """Revert migrations down to REVISION."""
    migrate.downgrade(_app(ctx).config["DATABASE_URL"], revision)
    click.echo(f"Database at revision {revision}.")


@db.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate", is_flag=True)
@click.pass_context
def db_revision(ctx: click.Context, message: str, autogenerate: bool) -> None:
    """Write a new migration (for developers)."""
    from alembic import command

    config = migrate.alembic_config(_app(ctx).config["DATABASE_URL"])
    command.revision(config, message=message, autogenerate=autogenerate)


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", help="Prompted for when not given.")
@click.option("--admin", is_flag=True, help="Let this user manage accounts.")
@click.option("--timezone", default="UTC", show_default=True)
@click.pass_context
def create_user(ctx, email: str, name: str, password: str | None, admin: bool, timezone: str):
    """Create an account."""
    app = _app(ctx)
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt="Repeat password")
    if len(password) < accounts.PASSWORD_MIN_LENGTH:
        raise click.ClickException(
            f"Use a password of at least {accounts.PASSWORD_MIN_LENGTH} characters."
        )
    try:
        with _database(app).transaction() as session:
            user = accounts.create_user(
                session, email, name, password, admin=admin, timezone=timezone
            )
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Created {'admin ' if admin else ''}{user.email}.")


@main.command("reset-two-factor")
@click.option("--email", required=True)
@click.pass_context
def reset_two_factor(ctx, email: str):
    """Remove an account's second factor (lost phone and recovery codes), logging it out."""
    from partnerhub.auth import second_factor

    app = _app(ctx)
    with _database(app).transaction() as session:
        user = accounts.find_user(session, email)
        if user is None:
            raise click.ClickException(f"No account has the email {email}.")
        second_factor.reset(session, user, utcnow())
    click.echo(
        f"{user.email} logs in with a password alone until two-factor authentication is "
        "turned on again (site admins are asked to at once)."
    )


@main.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Load a realistic demo partnership and print its logins."""
    from partnerhub.demo import load_demo

    app = _app(ctx)
    migrate.upgrade(app.config["DATABASE_URL"])
    with _database(app).transaction() as session:
        logins = load_demo(session, utcnow())
    click.echo(
        f"Demo partnership loaded. Log in as any of these (password for all: {logins.password}):"
    )
    for email, description in logins.people:
        click.echo(f"  {email:40} {description}")


# A reserved domain (RFC 2606) that every email form accepts, so it also works for a reset.
FIRST_ADMIN_EMAIL = "admin@partnerhub.example"


def _ensure_first_admin(app) -> None:
    """On an empty installation, create an admin and print how to log in."""
    with _database(app).transaction() as session:
        if session.scalar(select(func.count()).select_from(User)):
            return
        password = secrets.token_urlsafe(12)
        accounts.create_user(session, FIRST_ADMIN_EMAIL, "Site administrator", password, admin=True)
    click.echo(f"First run: log in as {FIRST_ADMIN_EMAIL} with password {password}")
    click.echo("(change it under your name, top right; `partnerhub demo` loads a demo partnership)")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-worker", is_flag=True, help="Run only the web; workers run elsewhere.")
@click.pass_context
def up(ctx: click.Context, host: str, port: int, no_worker: bool) -> None:
    """Migrate the database and run PartnerHub (web, worker and beat) on this machine."""
    from partnerhub.notifications.dispatch import prepare_embedded_broker
    from partnerhub.processes import Supervisor, child_settings, product_processes, served_address

    app = _app(ctx)
    migrate.upgrade(app.config["DATABASE_URL"])
    prepare_embedded_broker(app.config["BROKER_URL"])
    _ensure_first_admin(app)
    address = served_address(host, port)
    click.echo(f"PartnerHub is running at {address}/  (Ctrl-C stops it)")
    supervisor = Supervisor(
        product_processes(host, port, worker=not no_worker),
        settings=child_settings(address, os.environ),
    )
    sys.exit(supervisor.run())


@main.group()
def reminders() -> None:
    """Meeting reminders and renewal/review flags."""


@reminders.command("run")
@click.option(
    "--now",
    "now_text",
    metavar="ISO-TIME",
    help="Sweep as if it were this time (UTC unless it names an offset). Default: the clock.",
)
@click.pass_context
def reminders_run(ctx: click.Context, now_text: str | None) -> None:
    """Run one reminder sweep and deliver what it queued, synchronously."""
    from datetime import UTC, datetime

    from partnerhub.notifications import sweep
    from partnerhub.notifications.delivery import DeliveryPolicy, deliver_due
    from partnerhub.notifications.mailer import transport_for

    try:
        now = datetime.fromisoformat(now_text) if now_text else utcnow()
    except ValueError as error:
        raise click.BadParameter(f"not an ISO time: {now_text}", param_hint="--now") from error
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    app = _app(ctx)
    with app.app_context():
        database = _database(app)
        with database.transaction() as session:
            report = sweep(session, now)
        click.echo(f"Sweep at {now.isoformat()}: {report}.")
        with database.sessionmaker() as session:
            delivered = deliver_due(
                session,
                transport_for(app.config["MAIL_URL"]),
                app.config["MAIL_FROM"],
                lambda: now,
                DeliveryPolicy.from_config(app.config),
                max_batches=10_000,
            )
        click.echo(
            f"Delivery: sent {delivered.sent}, deferred {delivered.deferred}, "
            f"failed {delivered.failed}."
        )
        if delivered.deferred or delivered.failed:
            click.echo(f"Why each was not sent: {app.config['BASE_URL'].rstrip('/')}/admin/outbox")


if __name__ == "__main__":
    main()
