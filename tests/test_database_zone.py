"""PostgreSQL sessions are in UTC, as every stored timestamp is, whatever the server's zone."""

from __future__ import annotations

from datetime import UTC

from partnerhub.db import create_engine


def test_a_postgresql_session_is_in_utc_on_a_server_set_to_another_zone(postgres_url):
    # the zone a server's configuration would set, given here for this connection alone
    engine = create_engine(postgres_url, connect_args={"options": "-c timezone=America/Denver"})
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW TIME ZONE").scalar() == "UTC"
            # as the driver loads it: in UTC already, with nothing left to convert
            assert connection.exec_driver_sql("SELECT now()").scalar().tzinfo is UTC
    finally:
        engine.dispose()
