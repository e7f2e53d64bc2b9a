"""/healthz says whether this web process lives (it and its database answer); /readyz adds the
broker, so a broker outage shows there without taking the site out of a load balancer."""

from partnerhub.db import Database
from tests.conftest import free_port


def unreachable_redis() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


def test_healthz_is_ok_with_the_embedded_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "broker": "ok"}
    assert response.mimetype == "application/json"


def test_healthz_stays_200_and_reports_the_broker_when_only_the_broker_is_down(app, client):
    app.config["BROKER_URL"] = unreachable_redis()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "broker": "error"}


def test_readyz_is_503_when_the_broker_does_not_answer(app, client):
    app.config["BROKER_URL"] = unreachable_redis()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"database": "ok", "broker": "error"}


def test_readyz_is_ok_when_database_and_broker_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "broker": "ok"}


def test_both_are_503_when_the_database_does_not_answer(app, client):
    working = app.extensions["partnerhub.database"]
    unreachable = Database(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/partnerhub")
    app.extensions["partnerhub.database"] = unreachable
    try:
        responses = [client.get("/healthz"), client.get("/readyz")]
    finally:
        app.extensions["partnerhub.database"] = working
        unreachable.dispose()
    for response in responses:
        assert response.status_code == 503
        assert response.get_json() == {"database": "error", "broker": "ok"}


def test_compose_checks_the_web_by_liveness_alone():
    from pathlib import Path

    compose = (Path(__file__).parents[2] / "docker-compose.yml").read_text()
    web = compose.split("\n  web:\n", 1)[1].split("\n  worker:\n", 1)[0]
    check = web.split("healthcheck:", 1)[1]
    assert "http://127.0.0.1:8000/healthz'" in check
