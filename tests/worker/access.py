"""Routes of the process machinery and the outbox pages, and who may reach them."""

ROUTES = {
    "health.healthz": "public",
}


def url_values(make, world) -> dict[str, dict]:
    return {}
