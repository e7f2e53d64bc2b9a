"""Routes of the partnerships module and who may reach them."""

ROUTES = {
    "partnerships.dashboard": "login",
}


def url_values(make, world) -> dict[str, dict]:
    return {}
