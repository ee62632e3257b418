"""The check catalogue without a database: its documentation is fresh, and a
check that did not run proves nothing."""

from __future__ import annotations

from helpers import PROJECT

from harness.dbt_bridge import checks


def test_docs_checks_is_generated_from_the_catalogue():
    # `make docs-checks` regenerates it; a check added or changed without it fails here
    document = (PROJECT / "docs" / "checks.md").read_text()
    catalogue = checks.catalogue()
    assert checks.catalogue_document(document, catalogue) == document
    for check in catalogue.values():
        if not check.meaning.startswith("mapping seed "):
            assert f"| `{check.name}` | {check.severity} | {check.phase} |" in document, check.name


def test_numeric_nan_values_reads_every_numeric_legacy_column():
    # an integer cannot hold NaN; a numeric, real or double precision column can: each one the legacy
    # schema has (seeds/legacy_schema_columns.csv) is in the check's list
    import csv

    with open(PROJECT / "seeds" / "legacy_schema_columns.csv", newline="") as facts:
        numeric = {
            (r["table_name"], r["column_name"])
            for r in csv.DictReader(facts)
            if r["data_type"].startswith(("numeric", "real", "double precision"))
        }
    check = (PROJECT / "tests" / "staging" / "numeric_nan_values.sql").read_text()
    assert numeric and all(f"('{table}', '{column}')" in check for table, column in numeric), numeric


def test_a_skipped_check_blocks_the_verdict():
    from harness.dbt_bridge.checks import Check, summary

    skipped = Check(
        name="ledger_reconciles_with_inventory", severity="critical", phase="post", meaning="", fix="", status="skipped"
    )
    assert skipped.blocking and summary([skipped])["verdict"] == "fail"
    info = Check(name="x", severity="info", phase="post", meaning="", fix="", status="skipped")
    assert not info.blocking


def test_force_relaxes_only_pre_migration_errors_and_report_mode_blocks_nothing():
    # the modes are settings of dbt's sessions read when a check runs (macros/checks.sql): what each
    # check's error_if lets through is fixed here, from the parsed project
    from harness.dbt_bridge import project

    nodes = project.load(checks.ensure_manifest()).tests()
    by_id = checks.catalogue()
    seen = set()
    for unique_id, check in by_id.items():
        config = nodes[unique_id]["config"]
        error_if = config.get("error_if", "")
        forced = "abparts_migrate.force" in error_if
        assert forced == (check.severity == "error" and check.phase == "pre"), check.name
        if check.severity in ("critical", "error"):
            assert config["severity"] == "error" and "abparts_migrate.report" in error_if, check.name
        seen.add(check.severity)
    assert seen == {"critical", "error", "warning", "info"}
    strict = nodes[next(u for u, c in by_id.items() if c.name == "quarantine_is_empty_when_strict")]["config"]
    assert "abparts_migrate.strict" in strict["error_if"] and strict["severity"] == "error"


def test_check_modes_reach_dbt_as_session_settings_after_the_dbas_own_options():
    import pytest

    from harness.dbt_bridge.dbt_runner import _session_options

    def options(dba, modes):
        return _session_options(dba, modes, 180000)["PGOPTIONS"]

    assert "abparts_migrate" not in options(None, ())
    assert options(None, ("force", "strict")).startswith("-c abparts_migrate.force=on -c abparts_migrate.strict=on -c ")
    assert options("-c statement_timeout=0", ("report",)).startswith(
        "-c statement_timeout=0 -c abparts_migrate.report=on -c "
    )
    with pytest.raises(ValueError, match="unknown check mode"):
        _session_options(None, ("lenient",), None)
