"""`--json`: every command prints one JSON document on stdout and nothing else (no progress, no
table, no prompt), run through typer's test runner against the embedded server. A command the
test does not run fails it: a new command needs its --json run here.

The commands that run dbt here run it for real (build, the post-validation, the cutover's
snapshots: dbt must print nothing on stdout). Four whose work other tests run for real
(test_operator.py, test_extract.py, test_cli.py) are given that work's result instead, so
that what is proved here, the command line's printing, costs no more migrations: `test`
(a whole migration per scenario), `sample extract` (its validations), `docs` (dbt docs
generate) and the demo's dry run."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from helpers import leaf_commands
from typer.testing import CliRunner

from harness.cli.commands import app
from harness.common.schemas import Schemas
from harness.db import embedded

runner = CliRunner()


def command_of(args: tuple[str, ...]) -> str:
    """The command an argument list runs (`--schema x sample extract --from y` -> sample extract)."""
    words = list(args)
    while words and words[0].startswith("-"):
        words = words[2:] if words[0] in ("--dsn", "--schema") else words[1:]
    return next(c for c in sorted(leaf_commands(), key=len, reverse=True) if words[: len(c.split())] == c.split())


class JsonRuns:
    """Runs `harness --json ...` and keeps which commands printed one document."""

    def __init__(self):
        self.ran: set[str] = set()

    def __call__(self, *args: str, dsn: str | None = None) -> dict | list:
        argv = [*(["--dsn", dsn] if dsn else []), "--json", *args]
        result = runner.invoke(app, argv)
        assert result.exit_code == 0, (argv, result.output[-3000:])
        try:
            document = json.loads(result.stdout)  # the whole of stdout: one document, nothing else
        except ValueError:
            raise AssertionError(
                f"`harness {' '.join(argv)}` printed more than one JSON document:\n{result.stdout}"
            ) from None
        assert isinstance(document, dict | list), argv
        self.ran.add(command_of(args))
        return document


def their_results(monkeypatch, tmp_path, sample) -> None:
    """`test`, `sample extract` and `docs` given a result of their flow, as their flow would give it
    (with the callbacks the command passes called, as the flow calls them)."""
    from harness.flows import docs, extract, testing

    def rehearse(server, test_type, *, sample_size, keep, jobs, on_scenario):
        scenario = testing.Scenario(name="minimal_sample/clean", size="minimal_sample", dirty=False, database="x")
        scenario.verdict, scenario.numbers = "pass", {"quarantined_rows": 0, "round_trip_identical": True}
        if on_scenario:
            on_scenario(scenario)
        return testing.TestRun(test_id="19990101_000000_beef", type=test_type, scenarios=[scenario])

    def sampled(source, target, schemas, *, notify, **options):
        if notify:
            notify("copying the closure of 3 organisations")
        return extract.ExtractResult(
            source=source.dsn,
            source_schema=options["source_schema"],
            destination=target.dsn,
            schema=schemas.live,
            new_database=False,
            selection="every row",
            seed=options["seed"],
            anonymised=options["anonymise_data"],
            row_counts=sample.row_counts,
            source_row_counts=sample.row_counts,
        )

    def generated(target, schemas):
        page = tmp_path / "lineage" / "index.html"
        page.parent.mkdir(exist_ok=True)
        page.write_text("<html></html>")
        return page

    monkeypatch.setattr(testing, "run", rehearse)
    monkeypatch.setattr(extract, "extract", sampled)
    monkeypatch.setattr(docs, "generate", generated)


@pytest.mark.timeout(600)  # a build, a cutover and a rollback, and every other command
def test_every_command_prints_one_json_document(new_database, tmp_path, monkeypatch):
    from harness.flows import migrate, samples

    run = JsonRuns()
    target = new_database("json")
    dsn = target.dsn

    sample = run("sample", "generate", "--size", "minimal_sample", dsn=dsn)
    assert sample["size"] == "minimal_sample"
    assert run("build", dsn=dsn)["success"]
    assert run("status", dsn=dsn)["phase"] == "built"
    assert run("migrate", "--dry-run", dsn=dsn)["stopped_after"] == "dry run"  # the sealed build, taken as it is
    dry_run = migrate.migrate(target, Schemas("public"), dry_run=True)  # the demo's, below
    assert run("validate", "--phase", "post", dsn=dsn)["verdict"] == "pass"
    cut = run("cutover", dsn=dsn)
    assert run("rollback", dsn=dsn)["run_id"] == cut["run_id"]
    pruned = run("prune", "--yes", "--keep", "0", dsn=dsn)
    assert pruned["plan"]["drop_schemas"] and pruned["pruned"]["dropped_schemas"]
    assert run("prune", "--yes", dsn=dsn)["pruned"] is None  # nothing left to prune
    restored = run("restore", "--from", cut["backup"]["dump_path"], "--schema-name", "restored", dsn=dsn)
    assert restored["schema"] == "restored"
    assert run("report", cut["run_id"], dsn=dsn)["run_id"] == cut["run_id"]
    assert run("report", "--html", dsn=dsn)["html"].endswith(".html")
    assert run("stage", dsn=dsn)["row_counts"]

    saved = {k: sample[k] for k in ("size", "seed", "live_schema", "row_counts", "dirty", "seconds", "uuid_ossp")}
    their_results(monkeypatch, tmp_path, samples.SampleResult(**saved))
    assert run("test", "--type", "rollback", "--sample-size", "minimal_sample", dsn=dsn)["verdict"] == "pass"
    assert run("--schema", "extracted", "sample", "extract", "--from", dsn, "--all", dsn=dsn)["schema"] == "extracted"
    assert run("docs", dsn=dsn)["url"].startswith("file:///")
    with monkeypatch.context() as demo_run:
        demo_run.setattr(migrate, "migrate", lambda *args, **kwargs: dry_run)
        demo = run("demo", "--size", "minimal_sample")
    assert demo["dry_run"]["stopped_after"] == "dry run" and demo["database"] == "abparts_demo"

    # the embedded server's commands, on a server of their own (the session's keeps running), in a
    # directory with a short path: its unix socket's path must fit in 107 bytes
    with tempfile.TemporaryDirectory(prefix="abparts-db-") as short:
        data_dir = Path(short) / "pgdata"
        monkeypatch.setenv("HARNESS_PGDATA", str(data_dir))
        try:
            assert run("db", "status")["initialised"] is False
            assert run("db", "start")["running"] is True
            assert run("db", "url", "--database", "abparts")["url"].startswith("postgresql://postgres@/abparts?host=")
            assert run("db", "stop")["running"] is False
        finally:
            embedded.stop(data_dir)

    assert run.ran == set(leaf_commands()), "run every command with --json here"
