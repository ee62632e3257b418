"""Operator experience: the Python API, `harness report`, `harness docs`.
docs/python-api.md is true: every ```python block of it runs, top to bottom in one
namespace, against a scratch database of the embedded server; its last block is a
comprehensive rehearsal (`harness test --type comprehensive` calls the same
function), whose report is then read back through `harness report`. (The
`harness test` command with --keep is in test_privileges.py, the migration log
and its secrecy in test_secrets.py.)"""

from __future__ import annotations

import json
import re

import pytest
from helpers import PROJECT
from typer.testing import CliRunner

from harness.cli.commands import app
from harness.reporting import reports

runner = CliRunner()

# one size, clean and dirty: every size costs the same dbt work; which sizes a comprehensive
# run covers by default, and --sample-size repeated, are unit-tested (test_cli_usage.py); the
# demo test migrates production_scale. In-process, one after the other: --jobs N runs the same
# scenarios in worker processes (unit-tested: test_rehearsal_jobs.py), each paying dbt's
# start-up and a parse of the project
SIZE = "minimal_sample"


@pytest.fixture(scope="module")
def api_examples(module_database):
    """The examples of docs/python-api.md, run once for the module: their blocks and the
    namespace they leave."""

    def run_examples(target):
        blocks = re.findall(r"```python\n(.*?)```", (PROJECT / "docs" / "python-api.md").read_text(), re.S)
        namespace: dict = {}
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("HARNESS_DSN", target.dsn)
            patch.delenv("HARNESS_DBT_THREADS")  # dbt's default, as conftest's default_dbt_threads
            for number, block in enumerate(blocks, start=1):
                exec(compile(block, f"docs/python-api.md block {number}", "exec"), namespace)  # noqa: S102
        namespace["target"].close()  # the examples' own connection to the database
        return blocks, namespace

    _, examples = module_database(run_examples)
    return examples


@pytest.mark.timeout(600)  # whole flows; the default (pyproject.toml) is 120 s
def test_the_python_api_examples_run(api_examples):
    blocks, namespace = api_examples
    assert len(blocks) >= 6
    assert namespace["done"].stopped_after == "done" and namespace["now"].phase == "rolled back"


@pytest.mark.timeout(600)  # whole flows; the default (pyproject.toml) is 120 s
def test_comprehensive_runs_each_size_clean_and_dirty_and_rolls_each_back(api_examples):
    test_id = api_examples[1]["rehearsal"].test_id
    shown = runner.invoke(app, ["--json", "report", test_id])
    assert shown.exit_code == 0, shown.output[-2000:]
    document = json.loads(shown.stdout)
    assert document["type"] == "comprehensive" and document["verdict"] == "pass"
    names = [s["name"] for s in document["scenarios"]]
    assert names == [f"{SIZE}/clean", f"{SIZE}/dirty"]
    for scenario in document["scenarios"]:
        numbers = scenario["numbers"]
        assert scenario["verdict"] == "pass", (scenario["name"], scenario["reasons"])
        assert numbers["unaccounted_rows"] == 0
        assert numbers["round_trip_identical"] is True
        assert numbers["post_validation"] == "pass"
        assert numbers["cutover_lock_ms"] > 0 and numbers["rollback_lock_ms"] > 0
        assert numbers["quarantined_rows"] == (25 if scenario["dirty"] else 0)
        assert [s["step"] for s in scenario["steps"]] == ["generate", "migrate", "rollback"]
    assert document["kept_databases"] == []
    clean = [s for s in document["scenarios"] if s["name"] == f"{SIZE}/clean"][0]
    assert clean["numbers"]["legacy_rows"] == 69


def test_report_pretty_prints_a_saved_report(api_examples, monkeypatch):
    from harness.cli import console

    monkeypatch.setattr(console.out, "width", 200)  # the scenario names whole, whatever the terminal
    test_id = api_examples[1]["rehearsal"].test_id
    shown = runner.invoke(app, ["report", test_id])
    assert shown.exit_code == 0
    assert f"{SIZE}/dirty" in shown.output and "pass" in shown.output
    latest = runner.invoke(app, ["report"])
    assert latest.exit_code == 0 and "report" in latest.output
    saved = reports.load(reports.find(test_id)[0])
    assert saved["kind"] == "test" and saved["test_id"] == test_id
    missing = runner.invoke(app, ["report", "19990101_000000_beef"])
    assert missing.exit_code == 2 and "no report" in missing.output


def test_docs_generate_an_offline_page_with_the_lineage(new_database):
    result = runner.invoke(app, ["--dsn", new_database("docs").dsn, "docs"])
    assert result.exit_code == 0, result.output
    page = re.search(r"lineage docs: (\S+)", result.output).group(1)
    html = open(page).read()
    for name in (
        "int_warehouses__derived",
        "organization_type_map",
        "stg_legacy__inventory",
        "reconciliation_ledger",
        "ledger_reconciles_with_inventory",
        "one row per warehouse: per (organisation, normalised location)",
    ):
        assert name.lower() in html.lower(), name
    assert "cdn." not in html.split("<body")[0]  # static: no remote assets needed in the head
