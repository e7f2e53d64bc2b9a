"""The benchmark scripts start: each imports the product in its own order (a module that set
up the ORM's mappers on import, before every model was imported, once broke one) and
answers --help."""

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
