"""`partnerhub create-user`, run through Click's test runner."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from partnerhub.auth import services
from partnerhub.auth.models import User
from partnerhub.cli import main


@pytest.fixture
def run(app):
    def invoke(*args, input=None):
        return CliRunner().invoke(main, ["create-user", *args], obj=app, input=input)

    return invoke


def test_creates_an_admin_with_the_prompted_password(run, db):
    result = run(
        "--email",
        "Ada@Example.org",
        "--name",
        "Ada",
        "--admin",
        input="a long enough password\na long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created admin ada@example.org." in result.output
    assert "a long enough password" not in result.output
    user = db.query(User).one()
    assert user.is_admin
    assert services.authenticate(db, "ada@example.org", "a long enough password") == user


def test_mismatched_prompts_are_asked_again(run, db):
    result = run(
        "--email",
        "ada@example.org",
        "--name",
        "Ada",
        input="a long enough password\nsomething else\nanother long one\nanother long one\n",
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert services.authenticate(db, "ada@example.org", "another long one") is not None


def test_duplicate_email_in_any_case_is_a_clear_error(run, make, db):
    make.user(email="ada@example.org")
    db.commit()
    result = run("--email", "ADA@example.org", "--name", "Ada", "--password", "a long password")
    assert result.exit_code == 1
    assert "An account with the email ada@example.org already exists." in result.output
    assert "Traceback" not in result.output
    assert db.query(User).count() == 1


def test_short_password_and_unknown_time_zone_are_refused(run, db):
    short = run("--email", "ada@example.org", "--name", "Ada", "--password", "short")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    zone = run(
        "--email",
        "ada@example.org",
        "--name",
        "Ada",
        "--password",
        "a long password",
        "--timezone",
        "Mars/Olympus",
    )
    assert zone.exit_code == 1 and "not a known time zone" in zone.output
    assert db.query(User).count() == 0
