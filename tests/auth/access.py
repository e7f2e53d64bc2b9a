"""Routes of the auth module, who may reach them, and the forms the fuzz test posts to."""

from partnerhub.auth import services
from partnerhub.db import utcnow

ROUTES = {
    "auth.login": "public",
    "auth.logout": "login",
    "auth.forgot_password": "public",
    "auth.reset_password": "token",
    "auth.account": "login",
    "auth.change_password": "login",
    "auth.logout_everywhere": "login",
    "auth.users": "admin",
    "auth.new_user": "admin",
    "auth.deactivate_user": "admin",
    "auth.reactivate_user": "admin",
    "auth.grant_admin": "admin",
    "auth.revoke_admin": "admin",
}

# (endpoint, fields whose input must come back on a refused form, other fields)
FORMS = [
    ("auth.login", ["email"], ["password", "remember"]),
    ("auth.forgot_password", ["email"], []),
    ("auth.reset_password", [], ["password", "confirm"]),
    ("auth.account", ["name"], ["timezone"]),
    ("auth.change_password", [], ["current_password", "password", "confirm"]),
    ("auth.new_user", ["email", "name"], ["timezone", "admin"]),
]


def url_values(make, world) -> dict[str, dict]:
    _reset, token = services.start_password_reset(make.session, world.member.user, utcnow())
    someone = {"user_id": world.outsider.id}
    return {
        "auth.reset_password": {"token": token},
        "auth.deactivate_user": someone,
        "auth.reactivate_user": someone,
        "auth.grant_admin": someone,
        "auth.revoke_admin": someone,
    }
