"""The command line through typer's test runner against the real embedded
server: exit codes, one-line errors, JSON output, no secrets printed."""

from __future__ import annotations

import re

from helpers import scalar
from typer.testing import CliRunner

from harness.cli.commands import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_db_status_and_url(server):
    status = run("db", "status")
    assert status.exit_code == 0 and "running" in status.output
    url = run("db", "url")
    assert url.exit_code == 0
    assert re.fullmatch(r"postgresql://postgres@/abparts\?host=\S+\n", url.output)


def test_build_with_nothing_staged_is_out_of_order(new_database):
    target = new_database("order")
    assert run("--dsn", target.dsn, "sample", "generate", "--size", "minimal_sample").exit_code == 0
    result = run("--dsn", target.dsn, "build", "--no-stage")
    assert result.exit_code == 1
    assert "nothing is staged" in result.output


def test_demo_migrates_a_dry_run_and_leaves_the_legacy_schema_as_generated(server, new_database):
    from harness.common.schemas import Schemas
    from harness.db import connection as db
    from harness.db import embedded, fingerprint
    from harness.flows import samples

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
    # what `harness migrate --dry-run` prints (the demo runs it)
    assert "target schema built in" in result.output and "rows per table: legacy -> target" in result.output
    assert "built empty (the legacy database has nothing for them): 21 tables of the application" in result.output
    assert (
        "dry run complete: the target schema is in public_next; the live schema public was not touched" in result.output
    )
    assert re.search(r"report: \S+migration_report_\d{8}_\d{6}_[0-9a-f]{4}\.json", result.output)
    # progress in plain lines (not a terminal): no control characters
    assert "\x1b" not in result.output
    assert re.search(r"\[transactions\] model transactions: success \d+ rows", result.output)
    assert scalar(earlier, "select count(*) from public_next.inventory") == 20

    # byte for byte, the dry run left the legacy schema as generated (every row, column, constraint,
    # index, trigger, grant): the generator makes the same sample again (test_samples.py)
    fresh = new_database("fresh")
    generated = run("--dsn", fresh.dsn, "sample", "generate", "--size", "minimal_sample")
    assert generated.exit_code == 0, generated.output
    assert "organizations" in generated.output and "in schema public" in generated.output
    again = run("--dsn", fresh.dsn, "sample", "generate", "--size", "minimal_sample")
    assert again.exit_code == 2 and "--replace" in again.output
    fingerprints = []
    for target in (fresh, earlier):
        with db.connect(target) as conn, conn.cursor() as cur:
            fingerprints.append(fingerprint.fingerprint(cur, "public"))
    assert fingerprint.differences(*fingerprints) == []
