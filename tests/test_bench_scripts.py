"""The benchmark scripts start: each imports the product in its own order (a module that set
up the ORM's mappers on import, before every model was imported, once broke one) and
answers --help. The page benchmark's yardstick is rendered as every page is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("script", ["delivery", "feeds", "pages", "profile", "sweep"])
def test_a_benchmark_script_starts(script):
    run = subprocess.run(
        [sys.executable, f"bench/{script}.py", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("usage:")


def test_the_yardstick_is_compiled_once_like_every_page(app, world, login_as, monkeypatch):
    """Every page renders a template Jinja compiled once and cached; the yardstick too, or
    it would spend a third of its time compiling and flatter every page measured against it."""
    from bench.app import blueprint

    app.register_blueprint(blueprint)
    client = login_as(world.member.user)
    assert "Yardstick</h1>" in client.get("/bench/yardstick").get_data(as_text=True)
    compiled = []
    compile_source = app.jinja_env.compile
    monkeypatch.setattr(
        app.jinja_env, "compile", lambda *a, **k: compiled.append(a) or compile_source(*a, **k)
    )
    page = client.get("/bench/yardstick")
    assert page.status_code == 200
    assert compiled == []
