"""Accounts: logging in and out, password resets, the account page and user administration.

One blueprint, its routes in a module per part: `login`, `password` (reset), `account`,
`two_factor`, `admin`; `common` holds throttling and what logging in and out share.
"""

from __future__ import annotations

from flask import Blueprint

from partnerhub.auth import services
from partnerhub.db import utcnow
from partnerhub.extensions import database, login_manager

blueprint = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "Log in to continue."
login_manager.login_message_category = "info"


@login_manager.user_loader
def _load_user(token: str):
    return services.session_user(database.session, token, utcnow())


# The routes; importing them registers them.
from partnerhub.auth.views import account, admin, login, password, two_factor  # noqa: E402
from partnerhub.auth.views.common import admin_required  # noqa: E402

__all__ = ["account", "admin", "admin_required", "blueprint", "login", "password", "two_factor"]
