"""Routes of the audit module and who may reach them."""

ROUTES = {
    "audit.activity": "manage",
}


def url_values(make, world) -> dict[str, dict]:
    return {}
