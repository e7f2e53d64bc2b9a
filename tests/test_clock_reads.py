"""No test reads the wall clock: "now" comes from tests.clock, so a test passes at every hour.

A test that asks the machine for the date gets the UTC date, which for hours each night is not
the partnership's date; one that asks for the time gets an instant its data was not built for.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent

WALL_CLOCK = {
    "datetime.date.today",
    "datetime.datetime.now",
    "datetime.datetime.today",
    "datetime.datetime.utcnow",
    "time.time",
    "time.time_ns",
    "time.localtime",
    "time.gmtime",
    "time.ctime",
    "partnerhub.db.utcnow",
}
"""Calls that read the current date or time (the product's `utcnow` included). Measuring
elapsed time with time.monotonic() or time.perf_counter() is not reading "now" and is fine."""

ALLOWED: dict[str, set[str]] = {}
"""Module path (relative to tests/) -> wall-clock calls it may make, each with its reason."""


def imported_names(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dotted name it stands for, from the module's imports."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def dotted(node: ast.expr, names: dict[str, str]) -> str | None:
    """`datetime.now` -> "datetime.datetime.now" when `datetime` came from the datetime module."""
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        base = dotted(node.value, names)
        return f"{base}.{node.attr}" if base else None
    return None


def wall_clock_calls(source: str) -> list[tuple[int, str]]:
    """(line, dotted name) of every call in `source` that reads the wall clock."""
    tree = ast.parse(source)
    names = imported_names(tree)
    return sorted(
        (node.lineno, name)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and (name := dotted(node.func, names)) in WALL_CLOCK
    )


def test_the_scan_finds_every_way_of_asking_the_clock():
    source = "\n".join(
        [
            "import time",
            "import datetime as dt",
            "from datetime import UTC, date, datetime",
            "from partnerhub import db",
            "from partnerhub.db import utcnow",
            "from time import time as seconds",
            "date.today()",
            "datetime.now(UTC)",
            "dt.datetime.utcnow()",
            "time.time()",
            "seconds()",
            "utcnow()",
            "db.utcnow().date()",
            "time.monotonic()",
            "datetime(2026, 3, 8, tzinfo=UTC)",
            "today_in(partnership)",
        ]
    )
    assert wall_clock_calls(source) == [
        (7, "datetime.date.today"),
        (8, "datetime.datetime.now"),
        (9, "datetime.datetime.utcnow"),
        (10, "time.time"),
        (11, "time.time"),
        (12, "partnerhub.db.utcnow"),
        (13, "partnerhub.db.utcnow"),
    ]


def test_no_test_reads_the_wall_clock():
    found = [
        f"tests/{relative}:{line} calls {name}()"
        for path in sorted(TESTS.rglob("*.py"))
        for relative in [path.relative_to(TESTS).as_posix()]
        for line, name in wall_clock_calls(path.read_text())
        if name not in ALLOWED.get(relative, set())
    ]
    assert not found, (
        "Take the time from tests.clock (NOW, or TODAY / today_in(partnership) for a date), "
        "and let the `clock` fixture move it:\n" + "\n".join(found)
    )
