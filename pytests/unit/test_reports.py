"""A report says which tool wrote it: the package version, `git describe` of the checkout the
harness runs from, and the dbt it ran (docs/reports.md). No database needed."""

from __future__ import annotations

import subprocess
from importlib import metadata

from helpers import PROJECT

from harness import __version__
from harness.reporting import reports


def test_a_report_names_the_tool_its_checkout_and_the_dbt_that_wrote_it(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_HOME", str(tmp_path))
    body = {"test_id": "20990101_000000_abcd", "type": "sample", "verdict": "pass", "scenarios": []}
    document = reports.load(reports.write("test", "20990101_000000_abcd", body))
    git = subprocess.run(
        ["git", "-C", str(PROJECT), "describe", "--always", "--dirty", "--tags"],
        capture_output=True,
        text=True,
        check=False,
    )
    described = {"git": git.stdout.strip()} if (PROJECT / ".git").exists() and git.returncode == 0 else {}
    assert document["tool"] == {"name": "abparts-migrate", "version": __version__} | described | {
        "dbt": metadata.version("dbt-core"),
        "dbt_postgres": metadata.version("dbt-postgres"),
    }
