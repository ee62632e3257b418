"""One whole flow, as a DBA runs it from the command line, in the order the runbook gives:
a sample, validate, build, migrate (which takes the sealed build), post-validate, roll back.
`make test-fast` runs this file with the unit tests: the day-to-day loop."""

from __future__ import annotations

import json

from helpers import scalar
from typer.testing import CliRunner

from harness.cli.commands import app
from harness.db import connection as db
from harness.db import fingerprint

runner = CliRunner()


def test_the_whole_flow_from_the_command_line(new_database):
    target = new_database("flow")

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, ["--dsn", target.dsn, *args])
        assert result.exit_code == code, result.output
        return result.stdout

    run("sample", "generate", "--size", "minimal_sample")
    with db.connect(target) as conn, conn.cursor() as cur:
        before = fingerprint.fingerprint(cur, "public")
    assert json.loads(run("--json", "validate"))["verdict"] == "pass"
    built = json.loads(run("--json", "build"))
    assert built["success"] and built["options"]["mode"] == "build"

    # the sealed build of the current stage is taken as it is: no stage, no dbt node of a build again
    migrated = json.loads(run("--json", "migrate", "--yes"))
    assert migrated["stopped_after"] == "done" and migrated["run_id"] == built["run_id"]
    assert migrated["build_reused"] is True
    assert migrated["dbt_nodes"] == {"build": 0, "backup": 0, "post_validation": 1}
    post = migrated["post_validation"]
    assert post["verdict"] == "pass" and post["mode"] == "after the cutover"
    assert scalar(target, "select count(*) from public.transactions") == built["target_row_counts"]["transactions"]
    status = json.loads(run("--json", "status"))
    assert status["phase"] == "cut over" and status["post_validation"] == "passed"

    # later, the stage dropped: an explicit post-validation checks everything again from the archive
    later = json.loads(run("--json", "validate", "--phase", "post"))
    assert later["verdict"] == "pass" and later["mode"] == "rebuilt from the archive"

    rolled = json.loads(run("--json", "rollback"))
    assert rolled["rolledback_schema"] == f"public_rolledback_{built['run_id']}"
    assert json.loads(run("--json", "status"))["phase"] == "rolled back"
    with db.connect(target) as conn, conn.cursor() as cur:
        assert fingerprint.differences(before, fingerprint.fingerprint(cur, "public")) == []
