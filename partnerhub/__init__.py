"""PartnerHub: the web service that runs community information-sharing partnerships."""

from __future__ import annotations

from flask import Flask

from partnerhub import logs
from partnerhub.config import PROJECT_ROOT, load_config
from partnerhub.extensions import bootstrap, csrf, database, limiter, login_manager

BLUEPRINTS = (
    "partnerhub.auth.views",
    "partnerhub.partnerships.views",
    "partnerhub.meetings.views",
    "partnerhub.procedures.views",
    "partnerhub.agreements.views",
    "partnerhub.library.views",
    "partnerhub.training.views",
    "partnerhub.questions.views",
    "partnerhub.network.views",
    "partnerhub.report.views",
    "partnerhub.notifications.views",
    "partnerhub.audit.views",
    "partnerhub.health",
)


def create_app(config: dict | None = None) -> Flask:
    """Build the web application; `config` overrides the environment (tests use it)."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=(config or {}).get("INSTANCE_PATH"),
        instance_relative_config=False,
    )
    app.config.update(load_config(config))
    logs.configure()

    database.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)

    from importlib import import_module

    from partnerhub import permissions, web
    from partnerhub.notifications import registry as notifications_registry
    from partnerhub.report import registry as report_registry

    permissions.load_rules()
    notifications_registry.load()
    report_registry.load()
    for module in BLUEPRINTS:
        app.register_blueprint(import_module(module).blueprint)
    web.init_app(app)
    logs.init_app(app)
    return app
