"""The application as the page benchmark serves it: the product unchanged, plus two routes
that set the yardstick (bench-only, never part of the product).

    gunicorn bench.app:app

- `/bench/yardstick`: loads the logged-in user and renders the base layout with one heading,
  the least a page of the product can do; every page is measured as a ratio to it.
- `/bench/ok`: a bare `return "ok"`, the cost of the server and the framework, and of the
  login session's lookup that every logged-in request makes (before any view, the product
  checks whether a site admin must first turn on two-factor authentication).
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from partnerhub import create_app

# The yardstick's template is a file, so Jinja compiles it once and caches it as it does every
# page's template (a template rendered from a string is compiled again at each request).
blueprint = Blueprint("bench", __name__, url_prefix="/bench", template_folder="templates")


@blueprint.route("/yardstick")
@login_required
def yardstick():
    """The logged-in user and the base layout with one heading."""
    return render_template("bench/yardstick.html")


@blueprint.route("/ok")
def ok():
    """The server and Flask, and the logged-in request's session lookup."""
    return "ok"


def create_bench_app(config: dict | None = None):
    """The product's application with the yardstick routes."""
    application = create_app(config)
    application.register_blueprint(blueprint)
    return application


def __getattr__(name: str):
    # `gunicorn bench.app:app` builds the application from the environment on first use; the
    # benchmark itself imports this module for `create_bench_app` without building one.
    if name == "app":
        return create_bench_app()
    raise AttributeError(name)
