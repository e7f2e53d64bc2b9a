"""What every PostgreSQL session sets, whatever the server's configuration: UTC, as every
stored timestamp is, and plans for data held in memory."""

from __future__ import annotations

from datetime import UTC

from partnerhub.db import create_engine


def _engine_on_a_server_configured(postgres_url: str, options: str):
    # what a server's configuration would set, given here for this connection alone
    return create_engine(postgres_url, connect_args={"options": options})


def test_a_postgresql_session_is_in_utc_on_a_server_set_to_another_zone(postgres_url):
    engine = _engine_on_a_server_configured(postgres_url, "-c timezone=America/Denver")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW TIME ZONE").scalar() == "UTC"
            # as the driver loads it: in UTC already, with nothing left to convert
            assert connection.exec_driver_sql("SELECT now()").scalar().tzinfo is UTC
    finally:
        engine.dispose()


def test_a_postgresql_session_reckons_lookups_by_key_cheap(postgres_url):
    engine = _engine_on_a_server_configured(postgres_url, "-c random_page_cost=4")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW random_page_cost").scalar() == "1.1"
    finally:
        engine.dispose()
