"""Routes of the network view and who may reach them."""

ROUTES = {
    "network.index": "admin",
    "network.csv": "admin",
}


def url_values(make, world) -> dict[str, dict]:
    return {}
