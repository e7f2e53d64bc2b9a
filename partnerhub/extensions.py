"""Flask extensions, created here and initialised in the app factory."""

from __future__ import annotations

from flask import Flask, current_app, g
from flask_bootstrap import Bootstrap5
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import Session

from partnerhub.auth.limit_storage import Limiter
from partnerhub.db import Database, end_request


class RequestDatabase:
    """A session per request from the app's Database, closed on teardown."""

    def init_app(self, app: Flask) -> None:
        app.extensions["partnerhub.database"] = Database(app.config["DATABASE_URL"])
        app.teardown_appcontext(self._close)

    @property
    def engine_owner(self) -> Database:
        return current_app.extensions["partnerhub.database"]

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = self.engine_owner.sessionmaker()
        return g.db_session

    def _close(self, exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            end_request(session, failed=exc is not None)


database = RequestDatabase()
login_manager = LoginManager()
csrf = CSRFProtect()
bootstrap = Bootstrap5()
# A moving window: a burst of failures blocks for the window's length, not until a clock boundary.
# While the configured storage (Redis) is unreachable, the limits count in the database.
limiter = Limiter(
    key_func=get_remote_address,
    default_limits=[],
    strategy="moving-window",
    engine=lambda: database.engine_owner.engine,
)
