"""Every route of the app is classified in some module's tests/<module>/access.py."""

from tests.world import declared_routes

UNCLASSIFIED_OK = {"static", "bootstrap.static"}


def test_every_route_is_declared_in_an_access_file(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - UNCLASSIFIED_OK
    assert endpoints - set(declared_routes()) == set()
    assert set(declared_routes()) - endpoints == set()
