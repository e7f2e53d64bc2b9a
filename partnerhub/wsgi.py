"""The WSGI entry point for production servers: `gunicorn partnerhub.wsgi:app`."""

from partnerhub import create_app

app = create_app()
