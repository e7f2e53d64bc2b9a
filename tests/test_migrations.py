"""The migrations build exactly the schema the models describe, and round-trip."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import make_url

from partnerhub import migrate
from partnerhub.models import in_schema, metadata
from tests.conftest import POSTGRES_URL


@pytest.fixture
def empty_database_url(tmp_path):
    """A fresh, empty database on the backend the suite runs on."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    url = make_url(POSTGRES_URL)
    name = f"{url.database}_migrations"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def schema_drift(url: str) -> list:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": in_schema}
        )
        diff = compare_metadata(context, metadata)
    engine.dispose()
    return diff


def table_names(url: str) -> set[str]:
    engine = sa.create_engine(url)
    names = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    return names


def test_upgrade_head_matches_the_models(empty_database_url):
    migrate.upgrade(empty_database_url)
    assert schema_drift(empty_database_url) == []


def test_downgrade_to_base_and_upgrade_again_round_trips(empty_database_url):
    migrate.upgrade(empty_database_url)
    migrate.downgrade(empty_database_url, "base")
    assert table_names(empty_database_url) <= {"alembic_version"}
    migrate.upgrade(empty_database_url)
    assert schema_drift(empty_database_url) == []


def test_reminders_waiting_before_0010_are_linked_to_their_record(empty_database_url):
    migrate.upgrade(empty_database_url, "0009_reminders")
    engine = sa.create_engine(empty_database_url)
    with engine.begin() as connection:
        for statement in (
            "INSERT INTO partnerships (id, name, name_key, community, purpose, timezone, stage,"
            " meeting_cadence, created_at, updated_at) VALUES (1, 'P', 'p', 'C', '', 'UTC',"
            " 'partner', '', '2027-01-01', '2027-01-01')",
            "INSERT INTO meetings (id, partnership_id, title, starts_at, ends_at,"
            " original_starts_at, status, cancel_reason, place, video_url, is_modified,"
            " sequence, uid, created_at, updated_at) VALUES (4, 1, 'M', '2027-03-16 21:00:00',"
            " '2027-03-16 22:00:00', '2027-03-16 21:00:00', 'scheduled', '', '', '', false, 0,"
            " 'u4', '2027-01-01', '2027-01-01')",
            # (as the app stores a timestamp: on SQLite, text with microseconds)
            "INSERT INTO meeting_reminders (id, meeting_id, starts_at, offset_minutes, status,"
            " recorded_at) VALUES (9, 4, '2027-03-16 21:00:00.000000', 1440, 'queued',"
            " '2027-03-15')",
        ):
            connection.execute(sa.text(statement))
        for key, status in [
            ("meeting-reminder:4:2027-03-16T21:00:00Z:1440:7", "pending"),
            ("meeting-reminder:4:2027-03-16T21:00:00Z:1440:8", "sent"),
        ]:
            connection.execute(
                sa.text(
                    "INSERT INTO outbox_messages (idempotency_key, kind, recipient, subject,"
                    " text_body, headers, message_id, status, attempts, created_at,"
                    " next_attempt_at) VALUES (:key, 'meeting_reminder', 'a@example.org', 'S',"
                    " 'T', '{}', '<m@x>', :status, 0, '2027-03-15', '2027-03-15')"
                ),
                {"key": key, "status": status},
            )

    migrate.upgrade(empty_database_url)

    with engine.connect() as connection:
        linked = connection.execute(
            sa.text("SELECT status, reminder_id FROM outbox_messages ORDER BY status")
        ).all()
    engine.dispose()
    assert [tuple(row) for row in linked] == [("pending", 9), ("sent", None)]


def test_the_new_reminder_kinds_can_be_chosen_after_0011_and_not_before(empty_database_url):
    insert = sa.text(
        "INSERT INTO notification_preferences (user_id, kind, enabled, updated_at)"
        " VALUES (1, 'daily_digest', true, '2027-01-01')"
    )
    migrate.upgrade(empty_database_url)
    engine = sa.create_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO users (id, email, name, timezone, is_active, is_admin, created_at,"
                " updated_at) VALUES (1, 'a@example.org', 'A', 'UTC', true, false, '2027-01-01',"
                " '2027-01-01')"
            )
        )
        connection.execute(insert)
    migrate.downgrade(empty_database_url, "0010_unwritten_reminders")
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(insert)
    engine.dispose()


def test_organizations_become_private_to_their_one_partnership_or_shared_after_0013(
    empty_database_url,
):
    migrate.upgrade(empty_database_url, "0011_new_reminder_kinds")
    engine = sa.create_engine(empty_database_url)
    with engine.begin() as connection:
        for number in (1, 2):
            connection.execute(
                sa.text(
                    "INSERT INTO partnerships (id, name, name_key, community, purpose, timezone,"
                    " stage, meeting_cadence, created_at, updated_at) VALUES (:id, :name, :name,"
                    " 'C', '', 'UTC', 'partner', '', '2027-01-01', '2027-01-01')"
                ),
                {"id": number, "name": f"p{number}"},
            )
        for number, name in ((10, "one clinic"), (11, "county schools"), (12, "nobody's")):
            connection.execute(
                sa.text(
                    "INSERT INTO organizations (id, name, name_key, sector, created_at,"
                    " updated_at) VALUES (:id, :name, :name, 'school', '2027-01-01',"
                    " '2027-01-01')"
                ),
                {"id": number, "name": name},
            )
        for agency, partnership, organization in ((1, 2, 10), (2, 2, 11), (3, 1, 11)):
            connection.execute(
                sa.text(
                    "INSERT INTO partner_agencies (id, partnership_id, organization_id,"
                    " joined_on) VALUES (:a, :p, :o, '2027-01-01')"
                ),
                {"a": agency, "p": partnership, "o": organization},
            )

    migrate.upgrade(empty_database_url)

    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id, shared, owner_partnership_id FROM organizations ORDER BY id")
        ).all()
    engine.dispose()
    assert [(id_, bool(shared), owner) for id_, shared, owner in rows] == [
        (10, False, 2),  # used by one partnership: private to it
        (11, True, 2),  # used by several: shared, first seated by partnership 2
        (12, False, None),  # used by none: private, until a site admin shares it
    ]


def test_the_library_starts_with_the_public_resources_the_source_pages_name(empty_database_url):
    migrate.upgrade(empty_database_url)
    engine = sa.create_engine(empty_database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT title, kind, url, partnership_id FROM resources ORDER BY id")
        ).all()
    engine.dispose()
    titles = [row.title for row in rows]
    assert "Confidentiality Toolkit" in titles
    assert "Privacy Technical Assistance Center (PTAC)" in titles
    assert any(title.startswith("Intergovernmental Agreement between Denver") for title in titles)
    assert {row.kind for row in rows} == {"template", "guidance", "training", "sample_agreement"}
    assert all(row.partnership_id is None for row in rows)
    assert all(row.url.startswith("https://") for row in rows if row.url)


def test_the_cadence_text_is_carried_into_the_active_series_or_the_purpose(empty_database_url):
    migrate.upgrade(empty_database_url, "0016_resource_library")
    engine = sa.create_engine(empty_database_url)
    with engine.begin() as connection:
        for number, cadence, purpose in (
            (1, "Monthly, second Tuesday, 3:30 pm", "Share safely."),
            (2, "Monthly, first Monday", "Share safely."),
            (3, "", "No cadence."),
        ):
            connection.execute(
                sa.text(
                    "INSERT INTO partnerships (id, name, name_key, community, purpose, timezone,"
                    " stage, meeting_cadence, created_at, updated_at) VALUES (:id, :name, :name,"
                    " 'C', :purpose, 'UTC', 'partner', :cadence, '2027-01-01', '2027-01-01')"
                ),
                {"id": number, "name": f"p{number}", "purpose": purpose, "cadence": cadence},
            )
        # Partnership 1: a series that ended and, later created, the one with meetings ahead.
        for series, starts_on, meeting_at in (
            (10, "2020-01-14", "2020-01-14 22:00:00"),
            (11, "2020-02-11", "2999-02-11 22:00:00"),
        ):
            connection.execute(
                sa.text(
                    "INSERT INTO meeting_series (id, partnership_id, title, rrule, starts_on,"
                    " start_time, duration_minutes, timezone, place, video_url,"
                    " reminder_offsets, agenda_template, created_at, updated_at) VALUES (:id, 1,"
                    " 'Review', 'FREQ=MONTHLY;BYDAY=+2TU', :starts_on, '15:00:00', 90, 'UTC',"
                    " '', '', '[]', '[]', '2020-01-01', '2020-01-01')"
                ),
                {"id": series, "starts_on": starts_on},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO meetings (id, partnership_id, series_id, title, starts_at,"
                    " ends_at, original_starts_at, status, cancel_reason, place, video_url,"
                    " is_modified, sequence, uid, created_at, updated_at) VALUES (:id, 1, :id,"
                    " 'M', :at, :at_end, :at, 'scheduled', '', '', '', false, 0, :uid,"
                    " '2020-01-01', '2020-01-01')"
                ),
                {
                    "id": series,
                    "at": meeting_at,
                    "at_end": meeting_at.replace("22:00", "23:30"),
                    "uid": f"u{series}",
                },
            )

    migrate.upgrade(empty_database_url)

    with engine.connect() as connection:
        descriptions = dict(
            connection.execute(sa.text("SELECT id, description FROM meeting_series")).all()
        )
        purposes = dict(connection.execute(sa.text("SELECT id, purpose FROM partnerships")).all())
        columns = {c["name"] for c in sa.inspect(connection).get_columns("partnerships")}
        meetings = connection.scalar(sa.text("SELECT count(*) FROM meetings"))
    assert meetings == 2  # nothing that refers to a partnership or series is lost
    assert descriptions == {10: "", 11: "Meeting cadence: Monthly, second Tuesday, 3:30 pm"}
    assert purposes == {
        1: "Share safely.",
        2: "Share safely.\n\nMeeting cadence: Monthly, first Monday",
        3: "No cadence.",
    }
    assert "meeting_cadence" not in columns

    migrate.downgrade(empty_database_url, "0016_resource_library")
    with engine.connect() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("partnerships")}
    engine.dispose()
    assert "meeting_cadence" in columns
