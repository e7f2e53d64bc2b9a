"""Real calendar readers, to check that every one of them reads the product's files alike.

- `icalendar` with `recurring-ical-events` (and so khal and most Python tools);
- ical.js, the engine of Thunderbird and several web calendars, run with node from the
  small npm project in this folder (`npm ci` installs it; CI does);
- vobject, another Python reader with its own time zone handling.

Each gives every event as (uid, start, end, status, title, sequence, transparency), times in
UTC. ical.js missing is a skip here, which fails CI (PARTNERHUB_TEST_NO_SKIPS).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import pytest
import recurring_ical_events
import vobject
from icalendar import Calendar

from tests.conftest import without_faketime

FOLDER = Path(__file__).parent
# Wide enough for any file the tests make.
WINDOW = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


class Seen(NamedTuple):
    """One event as a reader shows it."""

    uid: str
    start: datetime
    end: datetime
    status: str
    title: str
    sequence: int
    transparency: str


def with_icalendar(ics: bytes) -> list[Seen]:
    events = recurring_ical_events.of(Calendar.from_ical(ics)).between(*WINDOW)
    return sorted(
        Seen(
            str(e["UID"]),
            _utc(e.decoded("DTSTART")),
            _utc(e.decoded("DTEND")),
            str(e.get("STATUS", "")),
            str(e.get("SUMMARY", "")),
            int(e.get("SEQUENCE", 0)),
            str(e.get("TRANSP", "")),
        )
        for e in events
    )


def with_vobject(ics: bytes) -> list[Seen]:
    # vobject keeps the first VTIMEZONE it read of each TZID for the rest of the process: each
    # file is read on its own, as a program opening it does.
    zones = getattr(vobject.icalendar, "__tzidMap")
    zones.clear()
    vobject.icalendar.registerTzid("UTC", vobject.icalendar.utc)
    calendar = vobject.readOne(ics.decode())
    return sorted(
        Seen(
            e.uid.value,
            _utc(e.dtstart.value),
            _utc(e.dtend.value),
            _value(e, "status"),
            _value(e, "summary"),
            int(_value(e, "sequence") or 0),
            _value(e, "transp"),
        )
        for e in getattr(calendar, "vevent_list", [])
    )


def with_icaljs(ics: bytes) -> list[Seen]:
    return sorted(
        Seen(
            e["uid"],
            _from_json(e["start"]),
            _from_json(e["end"]),
            e["status"] or "",
            e["summary"] or "",
            int(e["sequence"] or 0),
            e["transp"] or "",
        )
        for e in icaljs_read(ics)["events"]
    )


def icaljs_read(ics: bytes) -> dict:
    """The file as ical.js reads it: {"method", "events": [{uid, start, end, …}]}."""
    node = shutil.which("node")
    if node is None or not (FOLDER / "node_modules" / "ical.js").is_dir():
        pytest.skip(f"ical.js is not installed: run `npm ci` in {FOLDER}")
    done = subprocess.run(
        [node, str(FOLDER / "read.js")],
        input=ics,
        capture_output=True,
        env=without_faketime(os.environ),
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


READERS = {"icalendar": with_icalendar, "ical.js": with_icaljs, "vobject": with_vobject}


def read_alike(ics: bytes) -> list[Seen]:
    """What every reader sees, after checking that they all see the same."""
    seen = {name: read(ics) for name, read in READERS.items()}
    reference = seen["icalendar"]
    for name, events in seen.items():
        differing = set(events) ^ set(reference)
        assert events == reference, f"{name} reads these differently: {sorted(differing)}"
    return reference


def _value(component, name: str) -> str:
    found = getattr(component, f"{name}_list", None)
    return str(found[0].value) if found else ""


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _from_json(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
