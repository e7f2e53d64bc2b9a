"""`partnerhub demo`: a realistic partnership in the Plan stage, with logins that work."""

from click.testing import CliRunner
from sqlalchemy import func, select

from partnerhub import cli
from partnerhub.auth.services import authenticate
from partnerhub.demo import DEMO_PASSWORD, load_demo
from partnerhub.partnerships import services
from partnerhub.partnerships.models import (
    CORE_SECTORS,
    Membership,
    Partnership,
    Role,
    Stage,
    StageTransition,
)
from tests.clock import NOW


def test_demo_partnership_is_in_plan_with_every_core_sector_and_a_dozen_people(db):
    logins = load_demo(db, NOW)
    db.commit()

    partnership = db.scalar(select(Partnership))
    assert partnership.name == "Lewis and Clark County Youth Information Partnership"
    assert partnership.stage is Stage.PLAN
    assert partnership.timezone == "America/Denver"
    coverage = services.sector_coverage(db, partnership)
    assert all(c.covered for c in coverage) and len(coverage) == len(CORE_SECTORS)
    agencies = services.active_agencies(db, partnership)
    assert len(agencies) == 6
    assert all(a.liaison_id for a in agencies)
    members = services.roster(db, partnership)
    assert len(members) == len(logins.people) == 12
    positions = {m.position for m in members}
    assert {"School Resource Officer", "Deputy County Attorney"} <= positions
    assert any(m.is_legal_advisor for m in members) and any(m.is_signatory for m in members)
    assert {m.role for m in members} == set(Role)
    transition = db.scalar(select(StageTransition))
    assert transition.to_stage is Stage.PLAN
    assert not [item for item in transition.unmet_items if "core system" in item]


def test_every_printed_login_works_with_the_demo_password(db):
    logins = load_demo(db, NOW)
    db.commit()
    email, _ = logins.people[0]
    assert authenticate(db, email, DEMO_PASSWORD) is not None
    assert all("@" in email for email, _ in logins.people)


def test_running_the_demo_twice_adds_nothing(db):
    load_demo(db, NOW)
    db.commit()
    again = load_demo(db, NOW)
    db.commit()
    assert db.scalar(select(func.count()).select_from(Partnership)) == 1
    assert db.scalar(select(func.count()).select_from(Membership)) == 12
    assert len(again.people) == 12


def test_demo_command_prints_the_logins_and_can_run_twice(app, monkeypatch):
    monkeypatch.setattr(cli, "create_app", lambda: app)
    runner = CliRunner()
    first = runner.invoke(cli.main, ["demo"])
    assert first.exit_code == 0, first.output
    assert DEMO_PASSWORD in first.output
    assert "maria.alvarez@helena.example.org" in first.output
    second = runner.invoke(cli.main, ["demo"])
    assert second.exit_code == 0, second.output
    assert second.output.count("@helena.example.org") == 12
