"""Links that leave the site (emails, calendar files, feeds), built one way everywhere.

`PARTNERHUB_BASE_URL` becomes Flask's SERVER_NAME, PREFERRED_URL_SCHEME and APPLICATION_ROOT
(see config), so `url_for(..., _external=True)` gives the public address in a request, in the
worker and in the CLI alike. An unknown endpoint raises `werkzeug.routing.BuildError`.
"""

from __future__ import annotations

from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    """The public URL of a route, on the configured scheme even behind a TLS-ending proxy."""
    return url_for(
        endpoint, _external=True, _scheme=current_app.config["PREFERRED_URL_SCHEME"], **values
    )
