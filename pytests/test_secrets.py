"""A password given to the harness never reaches a file or the console.

The whole life of a migration runs with a password in the DSN, each command
through --dsn or HARNESS_DSN as an operator would give it (sys.argv as the
shell passes it: dbt records the process's command line in its artefacts),
the commands that need no dbt run both ways, and so do a failing and an
unreachable connection. Then every file under the harness home (reports and
the HTML page, logs, dbt's target and logs, lineage, backups and the
post-cutover export, profiles) and everything printed is searched for the
password, and the harness's directories must be the owner's alone (0700,
files 0600). Every child process the commands start (pg_dump, pg_restore, git)
is recorded: its command line, which every local user can read
(/proc/<pid>/cmdline), never holds the password; pg_dump and pg_restore get it
through PGPASSWORD (or a 0600 PGPASSFILE) only. The embedded server trusts the
socket, so the password is carried everywhere but never checked."""

from __future__ import annotations

import json
import logging.handlers
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pool import sample_template
from typer.testing import CliRunner

from harness.cli.commands import app
from harness.common import log, paths
from harness.db import connection as db

PASSWORD = "Leak-Canary-7f3a9c"
runner = CliRunner()


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A harness home of the test's own, so every file in it was written by these commands."""
    home = tmp_path / "home"
    monkeypatch.setenv("HARNESS_HOME", str(home))
    return home


@pytest.fixture
def children(monkeypatch) -> list[tuple[list[str], dict[str, str]]]:
    """The command line and environment of every child process started (subprocess.Popen)."""
    started: list[tuple[list[str], dict[str, str]]] = []
    real = subprocess.Popen.__init__

    def recorded(self, args, *more, **options):
        argv = [args] if isinstance(args, str | bytes | os.PathLike) else list(args)
        started.append(([os.fsdecode(a) for a in argv], dict(options.get("env") or os.environ)))
        real(self, args, *more, **options)

    monkeypatch.setattr(subprocess.Popen, "__init__", recorded)
    return started


def password_given_to(environment: dict[str, str]) -> str | None:
    """The password a PostgreSQL client reads from its environment: PGPASSWORD, or a PGPASSFILE that
    only its owner may read."""
    if "PGPASSWORD" in environment:
        return environment["PGPASSWORD"]
    passfile = Path(environment.get("PGPASSFILE", "/nonexistent"))
    if passfile.is_file() and stat.S_IMODE(passfile.stat().st_mode) == 0o600:
        return passfile.read_text().rstrip("\n").rsplit(":", 1)[-1]
    return None


@pytest.mark.timeout(400)  # whole flows; the default (pyproject.toml) is 120 s
def test_no_password_reaches_a_file_or_the_console(home, templates, new_database, monkeypatch, children):
    target = new_database("secrets", template=templates("minimal", sample_template("minimal_sample")))
    params = target.params
    key_value = db.make_dsn({**params, "password": PASSWORD})
    uri = f"postgresql://{params['user']}:{PASSWORD}@/{target.database}?host={params['host']}"
    said: list[str] = []

    def run(channel: str, *args: str, expect: int = 0) -> str:
        argv = ["--dsn", key_value, *args] if channel == "--dsn" else list(args)
        monkeypatch.setattr(sys, "argv", ["harness", *argv])
        result = runner.invoke(app, argv, env={"HARNESS_DSN": uri if channel == "HARNESS_DSN" else None})
        said.append(result.output)
        assert result.exit_code == expect, (channel, args, result.output[-1500:])
        return result.output

    both = ("--dsn", "HARNESS_DSN")
    run("--dsn", "validate")  # stages without change capture
    for channel in both:
        run(channel, "status")
        run(channel, "stage")  # with change capture, as build wants it
        run(channel, "migrate", expect=2)  # off a terminal without --yes: refused before any work
    built = json.loads(run("HARNESS_DSN", "--json", "build", "--no-stage"))
    assert built["success"] is True and built["target_row_counts"]["inventory"] == 20
    assert built["report"].endswith(f"migration_report_{built['run_id']}.json")
    assert [s["phase"] for s in built["steps"]][:3] == ["validate", "backup", "organisations"]
    run("--dsn", "cutover")
    for channel in both:
        run(channel, "report")
        status = json.loads(run(channel, "--json", "status"))
        assert status["phase"] == "cut over" and status["cutover"]["details"]["lock_window_ms"] > 0
        run(channel, "cutover", expect=1)  # already cut over
    run("HARNESS_DSN", "validate", "--phase", "post")
    run("--dsn", "docs")
    run("--dsn", "report", "--html")  # the run's HTML page
    with db.connect(target) as conn, conn.cursor() as cur:  # a write since the cutover: the export holds it
        cur.execute(
            "update public.parts set name = name || ' (renamed)' where id = (select id from public.parts limit 1)"
        )
        conn.commit()
    run("HARNESS_DSN", "rollback", expect=1)  # refused: the write since the cutover
    run("HARNESS_DSN", "rollback", "--force")
    for channel in both:
        run(channel, "rollback", expect=1)  # nothing to roll back
        run(channel, "prune", "--keep", "0", "--yes")
    dump = next((home / "backups").glob("*.dump"))
    run("--dsn", "restore", "--from", str(dump), "--schema-name", "restored_by_dsn")
    run("HARNESS_DSN", "restore", "--from", str(dump), "--schema-name", "restored_by_env")
    unreachable = f"postgresql://admin:{PASSWORD}@/abparts?host=/nonexistent-socket-dir"
    for argv, env in (
        (["--dsn", unreachable, "status"], {}),
        (["status"], {"HARNESS_DSN": unreachable}),
        (["--dsn", f"host='{PASSWORD}", "status"], {}),
        (["--dsn", f"postgresql://u:{PASSWORD}@h:notaport/x", "status"], {}),
    ):
        monkeypatch.setattr(sys, "argv", ["harness", *argv])
        result = runner.invoke(app, argv, env={"HARNESS_DSN": None} | env)
        said.append(result.output)
        assert result.exit_code == 2, result.output

    for output in said:
        assert PASSWORD not in output
    # child processes: the command line (readable by every local user) never holds the password
    assert not [argv for argv, _ in children if any(PASSWORD in a for a in argv)]
    clients = [(Path(argv[0]).name, environment) for argv, environment in children]
    assert {"pg_dump", "pg_restore"} <= {name for name, _ in clients}, clients
    for name, environment in clients:
        if name in ("pg_dump", "pg_restore"):
            assert password_given_to(environment) == PASSWORD, name
    written = [path for path in home.rglob("*") if path.is_file()]
    assert {p.relative_to(home).parts[0] for p in written} >= {"reports", "logs", "target", "lineage", "backups"}
    assert list((home / "reports").glob("*.html")) and list((home / "backups").glob("post_cutover_*.jsonl"))
    assert list((home / "logs" / "dbt").glob("*")) and list((home / "target").rglob("*.json"))
    leaked = [str(path) for path in written if PASSWORD.encode() in path.read_bytes()]
    assert not leaked
    # the migration log records every run and step, and the command lines redacted
    text = (paths.logs_dir() / "migration.log").read_text()
    assert f"--dsn postgresql://{params['user']}:***@/{target.database}" in text  # where it points, no more
    assert re.search(r"run=\d{8}_\d{6}_[0-9a-f]{4} step=stage .*outcome=ok", text)
    assert re.search(r"step=build .*outcome=ok seconds=", text)
    assert re.search(r"step=cutover .*outcome=ok", text) and re.search(r"step=rollback .*outcome=ok", text)
    assert "command failed (exit 2)" in text
    handlers = logging.getLogger(log.LOGGER_NAME).handlers
    assert any(isinstance(h, logging.handlers.RotatingFileHandler) and h.backupCount == 5 for h in handlers)
    assert (paths.logs_dir() / "dbt" / "dbt.log").exists()  # dbt's own log, separate (searched above)
    for name in ("reports", "logs", "target", "lineage", "backups", ".harness/profiles"):
        directory = home / name
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, name
        for path in directory.rglob("*"):
            want = 0o700 if path.is_dir() else 0o600
            assert stat.S_IMODE(path.stat().st_mode) == want, path
