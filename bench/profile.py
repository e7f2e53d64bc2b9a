"""Where one page spends its time, in process, on the page benchmark's data.

    .venv/bin/python bench/profile.py overview [--scale 10] [--requests 50] [--database-url URL]

Builds the data of one size as `bench/pages.py` does (the database is EMPTIED), logs in as the
benchmark's user and prints a pyinstrument profile of `--requests` loads of the named page
(a name from `bench/pages.py`, e.g. dashboard, overview, "one meeting"); with `--sql`, the
statements of one load instead. The profile needs pyinstrument (`pip install pyinstrument`).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench import pages
from bench.app import create_bench_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--sql", action="store_true", help="print one load's statements")
    parser.add_argument("--database-url", default=os.environ.get("PARTNERHUB_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="partnerhub-profile-")
    url = pages.empty_database(args.database_url, folder, args.scale)
    app = create_bench_app(pages.settings(url, folder, "http://127.0.0.1"))
    built = pages.build_data(app, args.scale)
    path = pages.pages(app, built)[args.page]
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    client.post("/login", data=pages.login_form(built.email, built.password, login))
    client.get(path)
    if args.sql:
        print_statements(app, client, path)
        return
    from pyinstrument import Profiler  # a tool of this script only, not of the product

    with Profiler() as profiler:
        for _ in range(args.requests):
            assert client.get(path).status_code == 200
    profiler.print(show_all=False)


def print_statements(app, client, path: str) -> None:
    """Each SQL statement of one load of `path`, its first line and where it was run from."""
    statements: list[str] = []
    engine = app.extensions["partnerhub.database"].engine

    def record(_conn, _cursor, statement, *_args):
        caller = next(
            f"{frame.filename.split('partnerhub/')[-1]}:{frame.lineno} {frame.name}"
            for frame in reversed(traceback.extract_stack())
            if "/partnerhub/" in frame.filename and "/bench/" not in frame.filename
        )
        statements.append(f"{caller}\n    {' '.join(statement.split())[:160]}")

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        client.get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    for number, statement in enumerate(statements, 1):
        print(number, statement)


if __name__ == "__main__":
    main()
