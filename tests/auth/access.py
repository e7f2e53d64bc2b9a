"""Routes of the auth module and who may reach them."""

ROUTES = {
    "auth.login": "public",
    "auth.logout": "login",
}


def url_values(make, world) -> dict[str, dict]:
    return {}
