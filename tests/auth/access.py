"""Routes of the auth module, who may reach them, and the forms the fuzz test posts to."""

from partnerhub.auth import services
from tests.clock import NOW
from tests.factories import PASSWORD

ROUTES = {
    "auth.login": "public",
    "auth.login_code": "public",
    "auth.logout": "login",
    "auth.forgot_password": "public",
    "auth.reset_password": "token",
    "auth.account": "login",
    "auth.change_password": "login",
    "auth.logout_everywhere": "login",
    "auth.enrol_two_factor": "login",
    "auth.regenerate_recovery_codes": "login",
    "auth.disable_two_factor": "login",
    "auth.users": "admin",
    "auth.new_user": "admin",
    "auth.deactivate_user": "admin",
    "auth.reactivate_user": "admin",
    "auth.grant_admin": "admin",
    "auth.revoke_admin": "admin",
}

# (endpoint, a valid submission, fields whose input must come back when refused)
NEW_PASSWORD = "another long passphrase"
FORMS = [
    ("auth.login", {"email": "mo@example.org", "password": "not the password"}, ["email"]),
    ("auth.forgot_password", {"email": "mo@example.org"}, ["email"]),
    ("auth.reset_password", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, []),
    ("auth.account", {"name": "Fiona Facilitator", "timezone": "America/Denver"}, ["name"]),
    (
        "auth.change_password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        [],
    ),
    # Without a password step first the code form sends the visitor back to the login page.
    ("auth.login_code", {"code": "123456"}, []),
    ("auth.enrol_two_factor", {"code": "123456"}, ["code"]),
    ("auth.regenerate_recovery_codes", {"password": PASSWORD}, []),
    ("auth.disable_two_factor", {"password": PASSWORD}, []),
    (
        "auth.new_user",
        {"email": "nia@example.org", "name": "Nia New", "timezone": "UTC", "admin": "y"},
        ["email", "name"],
    ),
]


def url_values(make, world) -> dict[str, dict]:
    _reset, token = services.start_password_reset(make.session, world.member.user, NOW)
    someone = {"user_id": world.outsider.id}
    return {
        "auth.reset_password": {"token": token},
        "auth.deactivate_user": someone,
        "auth.reactivate_user": someone,
        "auth.grant_admin": someone,
        "auth.revoke_admin": someone,
    }
