"""What the tests import: where the project and the fixtures' SQL are, reading a
database in one call (`query`, `scalar`), loading hand-written legacy rows
(`load_fixture`), the real `harness` command in a process of its own
(`harness_cli`), and the commands its command line has (`command_line`, `leaf_commands`).

Plain functions and constants, no pytest fixture: a test imports them by name
(`from helpers import query`). The fixtures are conftest.py's (the session)
and pool.py's (the databases).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load_fixture(target, schemas, *fixtures: str) -> None:
    """Create the legacy schema and load pytests/fixtures/<fixture>.sql files into it, in order."""
    from harness.db import connection as db
    from harness.flows import samples

    with db.connect(target) as conn, conn.cursor() as cur:
        samples.create_legacy_schema(cur, schemas, replace=True)
        for fixture in fixtures:
            cur.execute((FIXTURES / f"{fixture}.sql").read_text())
        samples.mark_as_sample(cur, schemas, f"fixture={'+'.join(fixtures)}")
        conn.commit()


def query(target, sql_text: str, params=None) -> list[dict]:
    from harness.db import connection as db

    with db.connect(target) as conn, conn.cursor() as cur:
        return db.fetch_all(cur, sql_text, params)


def scalar(target, sql_text: str, params=None):
    rows = query(target, sql_text, params)
    return next(iter(rows[0].values())) if rows else None


def harness_cli(
    *args: str,
    dsn: str,
    fault: str | None = None,
    env: dict | None = None,
    timeout: float = 300,
    background: bool = False,
    stdin=None,
):
    """The real `harness` command in its own process (signals, kills and races need one).

    Returns the CompletedProcess, or with `background` the Popen (`stdin`: a file descriptor to
    read from, e.g. a terminal's, pytests/test_refusals.py). HARNESS_HOME and the embedded server
    are the session's."""
    import subprocess
    import sys

    environment = {k: v for k, v in os.environ.items() if not k.startswith(("HARNESS_FAULT", "PG"))}
    environment.update({"HARNESS_DSN": dsn, "COLUMNS": "200"} | (env or {}))
    if fault:
        environment["HARNESS_FAULT"] = fault
    command = [sys.executable, "-m", "harness", *args]
    if background:
        return subprocess.Popen(
            command, env=environment, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=timeout)


def command_line():
    """The click command typer makes of the harness's command line."""
    import typer

    from harness.cli.commands import app

    return typer.main.get_command(app)


def leaf_commands(node=None, path: tuple[str, ...] = ()) -> dict[str, object]:
    """'db start' -> its command, for every command that runs (not the groups)."""
    node = node or command_line()
    found = {}
    for name, command in node.commands.items():
        if hasattr(command, "commands"):
            found |= leaf_commands(command, (*path, name))
        else:
            found[" ".join((*path, name))] = command
    return found


FIRST_NODE = "maintenance_indicators"  # the first mart a build runs: a pause there holds the lock


def wait_for(path, seconds: float = 120) -> str:
    """The text of a file another process writes (a fault point's marker), once it is there."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


def paused_build(target, tmp_path):
    """`harness build --no-stage` in its own process, paused on its first mart (it holds the
    live schema's lock and has dbt's queries open)."""
    marker = tmp_path / "paused"
    process = harness_cli(
        "build",
        "--no-stage",
        dsn=target.dsn,
        fault=f"pause@dbt:{FIRST_NODE}",
        env={"HARNESS_FAULT_MARKER": str(marker)},
        background=True,
    )
    wait_for(marker)
    return process
