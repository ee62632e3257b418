"""The command line through typer's test runner against the real embedded
server: exit codes, one-line errors, JSON output, no secrets printed."""

from __future__ import annotations

import re

from conftest import scalar
from typer.testing import CliRunner

from harness.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_db_status_and_url(server):
    status = run("db", "status")
    assert status.exit_code == 0 and "running" in status.output
    url = run("db", "url")
    assert url.exit_code == 0
    assert re.fullmatch(r"postgresql://postgres@/abparts\?host=\S+\n", url.output)


def test_sample_generate_then_dry_run_migrate_leaves_live_untouched(new_database):
    from harness import db, fingerprint

    target = new_database("cli")
    generated = run("--dsn", target.dsn, "sample", "generate", "--size", "minimal_sample", "--seed", "3")
    assert generated.exit_code == 0, generated.output
    assert "organizations" in generated.output and "in schema public" in generated.output
    again = run("--dsn", target.dsn, "sample", "generate", "--size", "minimal_sample")
    assert again.exit_code == 2 and "--replace" in again.output
    with db.connect(target) as conn, conn.cursor() as cur:
        before = fingerprint.fingerprint(cur, "public")
    dry = run("--dsn", target.dsn, "migrate", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "dry run complete" in dry.output and "report:" in dry.output
    assert "rows per table: legacy -> target" in dry.output
    assert "built empty (the legacy database has nothing for them): 21 tables of the application" in dry.output
    assert scalar(target, "select count(*) from public_next.inventory") == 20
    # byte for byte: every row, column, constraint, index, trigger, grant of the live schema
    with db.connect(target) as conn, conn.cursor() as cur:
        after = fingerprint.fingerprint(cur, "public")
    assert fingerprint.differences(before, after) == []
    # progress in plain lines (not a terminal): no control characters
    assert "\x1b" not in dry.output
    assert re.search(r"\[transactions\] model transactions: success \d+ rows", dry.output)


def test_build_with_nothing_staged_is_out_of_order(new_database):
    target = new_database("order")
    assert run("--dsn", target.dsn, "sample", "generate", "--size", "minimal_sample").exit_code == 0
    result = run("--dsn", target.dsn, "build", "--no-stage")
    assert result.exit_code == 1
    assert "nothing is staged" in result.output


def test_demo_prints_the_summary_and_the_report(server):
    from harness import db, embedded, samples
    from harness.schemas import Schemas

    # what an earlier demo left: its database with a generated sample (and a table of the user's);
    # the demo is re-runnable because it makes its database anew
    earlier = db.create_database(db.Target(embedded.dsn("postgres"), embedded=True), "abparts_demo", replace=True)
    samples.generate(earlier, Schemas("public"), "minimal_sample")
    with db.connect(earlier) as conn, conn.cursor() as cur:
        cur.execute("create table public.left_by_an_earlier_run (id int)")
        conn.commit()
    earlier.close()
    result = run("demo", "--size", "minimal_sample")
    assert result.exit_code == 0, result.output
    assert "created legacy ABParts database 'abparts_demo'" in result.output
    assert scalar(earlier, "select count(*) from pg_class where relname = 'left_by_an_earlier_run'") == 0
    assert "target schema built in" in result.output
    assert re.search(r"report: \S+migration_report_\d{8}_\d{6}_[0-9a-f]{4}\.json", result.output)
