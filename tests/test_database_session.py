"""What every PostgreSQL session sets, whatever the server's configuration: UTC, as every
stored timestamp is, and plans for data held in memory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC

import sqlalchemy as sa

from partnerhub.db import create_engine


@contextmanager
def _session_on_a_server_configured(postgres_url: str, options: str) -> Iterator[sa.Connection]:
    # what a server's configuration would set, given here for this connection alone
    engine = create_engine(postgres_url, connect_args={"options": options})
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def test_a_postgresql_session_is_in_utc_on_a_server_set_to_another_zone(postgres_url):
    with _session_on_a_server_configured(postgres_url, "-c timezone=America/Denver") as session:
        assert session.exec_driver_sql("SHOW TIME ZONE").scalar() == "UTC"
        # as the driver loads it: in UTC already, with nothing left to convert
        assert session.exec_driver_sql("SELECT now()").scalar().tzinfo is UTC


def test_a_postgresql_session_reckons_lookups_by_key_cheap(postgres_url):
    with _session_on_a_server_configured(postgres_url, "-c random_page_cost=4") as session:
        assert session.exec_driver_sql("SHOW random_page_cost").scalar() == "1.1"
