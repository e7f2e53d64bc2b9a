"""/healthz reports whether the database and the broker answer."""

from partnerhub.db import Database
from tests.conftest import free_port


def test_healthz_is_ok_with_the_embedded_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "broker": "ok"}
    assert response.mimetype == "application/json"


def test_healthz_is_503_when_the_broker_does_not_answer(app, client):
    app.config["BROKER_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"database": "ok", "broker": "error"}


def test_healthz_is_503_when_the_database_does_not_answer(app, client):
    working = app.extensions["partnerhub.database"]
    unreachable = Database(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/partnerhub")
    app.extensions["partnerhub.database"] = unreachable
    try:
        response = client.get("/healthz")
    finally:
        app.extensions["partnerhub.database"] = working
        unreachable.dispose()
    assert response.status_code == 503
    assert response.get_json() == {"database": "error", "broker": "ok"}
