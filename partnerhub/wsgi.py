"""The WSGI entry point for production servers: `gunicorn partnerhub.wsgi:app`.

It refuses to load on a database that is not at the latest migration (gunicorn then stops:
"Worker failed to boot"), rather than serve a 500 to every login."""

from partnerhub import create_app, migrate

app = create_app()
migrate.require_latest(app.extensions["partnerhub.database"].engine, "The web (gunicorn)")
