"""Routes of the agreements module and who may reach them."""

ROUTES: dict[str, str] = {}


def url_values(make, world) -> dict[str, dict]:
    return {}
