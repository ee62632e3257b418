"""Validation: every check fires on the dirty fixture with the right severity
and ids, stays quiet on clean data, criticals block even --force, the
quarantine accounts for every row, and reports match their JSON Schemas."""

from __future__ import annotations

import json

import pytest
from helpers import load_fixture, query, scalar
from pool import sample_template
from typer.testing import CliRunner

from harness.cli.commands import app
from harness.common.errors import CheckFailed
from harness.common.schemas import Schemas
from harness.dbt_bridge import project
from harness.flows import build, samples, validate
from harness.reporting import reports

DIRT = "dd000000-0000-0000-0000-0000000000"

# check -> (severity, the injected row ids it must name), from harness/sql/sample_dirt.sql
DIRTY_FINDINGS = {
    "organizations_without_names": ("error", ["01"]),
    "duplicate_organization_names": ("error", ["02"]),
    "duplicate_organization_names_ignoring_case": ("warning", ["02", "03"]),
    "users_without_username": ("error", ["11"]),
    "users_without_email": ("error", ["12"]),
    "users_without_role": ("error", ["13"]),
    "duplicate_usernames": ("error", ["14"]),
    "duplicate_emails": ("error", ["15"]),
    "duplicate_usernames_ignoring_case": ("warning", ["14", "16"]),
    "duplicate_emails_ignoring_case": ("warning", ["15", "17"]),
    "super_admin_non_oraseas": ("error", ["18"]),
    "oraseas_admin_outside_oraseas": ("warning", ["19"]),
    "parts_without_number": ("error", ["21"]),
    "parts_without_name": ("error", ["22"]),
    "duplicate_part_numbers": ("error", ["23"]),
    "inconsistent_unit_of_measure": ("warning", ["24"]),
    "bulk_keyword_overruled_by_count": ("info", ["25", "26"]),  # Oil Filter, Hydraulic Oil 20L: in pieces
    "bulk_material_by_keyword_in_stock": ("warning", []),  # the sample's own oils in stock; ids sort before dd…
    "orphaned_inventory": ("error", ["31"]),
    "inventory_invalid_parts": ("error", ["32"]),
    "negative_inventory": ("error", ["33"]),
    "machines_invalid_customer": ("error", ["41"]),
    "duplicate_serial_numbers": ("error", ["42"]),
    "machines_non_customer_org": ("warning", ["43"]),
    "unmapped_supplier_order_statuses": ("warning", ["51"]),
    "unmapped_customer_order_statuses": ("warning", ["52"]),
    "customer_orders_ordering_user_set_null": ("warning", ["53"]),
    "part_usage_references_set_null": ("warning", ["61"]),
    "part_usage_machine_of_other_customer": ("warning", ["62"]),
    "numeric_nan_values": ("error", ["72"]),
    "orphaned_references": ("error", []),  # ids are "table:id"
    "rows_following_a_quarantined_parent": ("error", []),
}
CRITICAL_FINDINGS = {
    "unmapped_organization_types": ("a0000000-0000-0000-0000-000000000004", "Distributor"),
    "unmapped_roles": ("b0000000-0000-0000-0000-000000000007", "Regional Manager"),
    "multiple_oraseas_ee": ("a0000000-0000-0000-0000-000000000001", None),
    "multiple_bossaqua": ("a0000000-0000-0000-0000-000000000002", None),
    "users_invalid_organization": ("b0000000-0000-0000-0000-000000000099", None),
    "performed_by_fallback_unavailable": (None, None),
}


@pytest.fixture(scope="module")
def dirty(module_database):
    def prepare(target) -> validate.ValidationResult:
        schemas = Schemas("public")
        samples.generate(target, schemas, "small_sample", dirty=True)
        return validate.validate(target, schemas)

    _, result = module_database(prepare)
    return {c.name: c for c in result.checks}, result


@pytest.mark.parametrize("name", sorted(DIRTY_FINDINGS))
def test_each_injected_problem_is_found_with_its_severity_and_ids(dirty, name):
    found, _ = dirty
    severity, suffixes = DIRTY_FINDINGS[name]
    check = found[name]
    assert check.status == "found", (name, check.status, check.message)
    assert check.severity == severity
    for suffix in suffixes:
        assert DIRT + suffix in check.example_ids, (name, check.example_ids)
    assert "{value}" not in check.fix_hint()


def test_the_dirty_sample_is_refused_with_exit_code_1_and_a_report(dirty):
    _, result = dirty
    assert result.summary["verdict"] == "fail"
    assert not any(c.found for c in result.checks if c.severity == "critical")
    with pytest.raises(CheckFailed, match="blocking problems"):
        validate.require_ok(result)
    document = json.loads(open(result.report_path).read())
    assert reports.schema_errors(document) == []
    assert {c["name"] for c in document["checks"] if c["status"] == "found"} >= set(DIRTY_FINDINGS)


def test_fix_hints_name_the_value_and_the_seed(dirty):
    found, _ = dirty
    assert (
        found["unmapped_supplier_order_statuses"].fix_hint()
        == "add a row to seeds/order_status_map.csv for status 'On Hold'"
    )
    assert "seeds/part_type_overrides.csv" in found["inconsistent_unit_of_measure"].fix_hint()


def test_clean_data_has_no_blocking_findings(new_database):
    target, schemas = new_database("clean"), Schemas("public")
    samples.generate(target, schemas, "small_sample")
    result = validate.validate(target, schemas)
    assert result.ok, result.summary
    found = {c.name for c in result.checks if c.found}
    # what realistic data legitimately shows: organisations without admins, and information
    assert {c.severity for c in result.checks if c.found} <= {"warning", "info"}
    assert {c.name for c in result.checks if c.found and c.severity == "warning"} == {
        "organizations_without_admin",
        "bulk_material_by_keyword_in_stock",
    }  # every eighth part: oils in stock
    # an info check is reported with its rows, although dbt counts none for a check that never warns
    info = {c.name: c for c in result.checks if c.found and c.severity == "info"}
    assert {"suppliers_without_parent", "inventory_without_location"} <= set(info)
    assert info["suppliers_without_parent"].failing_rows > 0 and info["suppliers_without_parent"].example_ids
    assert not found & {n for n, (sev, _) in DIRTY_FINDINGS.items()} - {
        "organizations_without_admin",
        "bulk_material_by_keyword_in_stock",
    }


def test_critical_problems_are_found_and_block_even_with_force(new_database):
    target, schemas = new_database("critical"), Schemas("public")
    load_fixture(target, schemas, "mapping_rules", "critical_findings")
    result = validate.validate(target, schemas)
    by_name = {c.name: c for c in result.checks}
    for name, (an_id, value) in CRITICAL_FINDINGS.items():
        check = by_name[name]
        assert check.status == "found" and check.severity == "critical", name
        if an_id:
            assert an_id in check.example_ids, (name, check.example_ids)
        if value:
            assert value in check.fix_hint()
    assert "seeds/organization_type_map.csv for type 'Distributor'" in by_name["unmapped_organization_types"].fix_hint()
    forced = build.build(target, schemas, force=True)
    assert not forced.success
    assert "unmapped_organization_types" in {o.name for o in forced.dbt.failed}


def test_missing_oraseas_ee_is_critical(new_database):
    target, schemas = new_database("nohead"), Schemas("public")
    load_fixture(target, schemas, "mapping_rules", "missing_oraseas_ee")
    result = validate.validate(target, schemas)
    check = {c.name: c for c in result.checks}["missing_oraseas_ee"]
    assert check.status == "found" and check.severity == "critical"
    assert "seeds/organization_overrides.csv" in check.fix_hint()


@pytest.fixture
def forced_dirty(templates, new_database):
    """A minimal dirty sample built with --force (a copy per test), and that build's report."""
    target = new_database(
        "forced",
        template=templates(
            "forced_dirty_minimal", sample_template("minimal_sample", dirty=True, build=True, force=True)
        ),
    )
    run_id = scalar(
        target,
        "select run_id from migration_audit.steps where step = 'build' and outcome = 'ok' order by id desc limit 1",
    )
    return target, reports.load(reports.find(run_id)[0])


def test_force_quarantines_the_dirty_rows_and_accounts_for_every_legacy_row(forced_dirty):
    # one size here (the dirt is the same at every size); `harness test --type comprehensive`
    # forces the dirty sample of every size
    target, forced = forced_dirty
    assert forced["success"] is True and reports.schema_errors(forced) == []
    counts = {r["legacy_table"]: r for r in forced["reconciliation"]["row_counts"]}
    assert len(counts) == 11
    for table, row in counts.items():
        legacy_rows = scalar(target, f'select count(*) from public."{table}"')  # the live legacy table
        assert row["migrated"] + row["quarantined"] == legacy_rows
        assert row["unaccounted"] == 0
    reasons = {(g["source_table"], g["reason_code"]) for g in forced["quarantine"]["groups"]}
    assert {
        ("organizations", "blank_name"),
        ("organizations", "duplicate_name"),
        ("users", "duplicate_username"),
        ("users", "super_admin_outside_oraseas"),
        ("parts", "duplicate_part_number"),
        ("inventory", "negative_stock"),
        ("inventory", "missing_parent"),
        ("inventory", "parent_quarantined"),
        ("machines", "duplicate_serial_number"),
        ("supplier_order_items", "missing_parent"),
        ("supplier_order_items", "numeric_nan"),
    } <= reasons
    assert forced["quarantined_rows"] == 19
    stock = forced["reconciliation"]["stock"]
    assert stock["legacy_total"] == stock["migrated_total"] + stock["quarantined_total"]
    assert stock["quarantined_total"] > 0
    saved = query(target, "select count(*) as n from migration_audit.quarantine where run_id = %s", (forced["run_id"],))
    assert saved[0]["n"] == 19
    assert "password_hash" not in json.dumps(forced)  # quarantined users are summarised, never copied
    # without --force the same errors block
    plain = build.build(target, Schemas("public"))
    assert not plain.success
    assert "negative_inventory" in {o.name for o in plain.dbt.failed}


@pytest.mark.timeout(400)  # a build and four post-validations; the default is 120 s
def test_post_validation_checks_the_target_catches_hand_edits_and_strict_refuses_any_quarantine(forced_dirty):
    (target, _), schemas = forced_dirty, Schemas("public")
    post = validate.validate(target, schemas, phase="post")
    assert post.ok and post.target_schema == "public_next"
    names = {c.name for c in post.checks if c.status == "passed"}
    assert {
        "every_legacy_row_accounted_for",
        "ledger_reconciles_with_inventory",
        "totals_preserved",
        "target_constraints_present",
        "target_enum_types_exact",
        "single_oraseas_ee",
    } <= names
    assert reports.schema_errors(json.loads(open(post.report_path).read())) == []
    # the target is as the build sealed it: its post checks run on what the build made, each once,
    # nothing rebuilt, and they say what the build's own run of them said
    assert post.mode == "checks of the sealed build" and set(post.dbt_nodes) == {"test"}
    assert post.dbt_nodes["test"] == sum(1 for c in post.checks if c.status != "not run")
    built = {
        c.name: c.status
        for c in build.BuildResult.from_dict(json.loads(open(reports.path_of("migration", post.run_id)).read())).checks
        if c.phase == "post"
    }
    assert {c.name: c.status for c in post.checks} == built

    # somebody with the owner's rights edits the target by hand, around its guards: post-validation sees it
    from harness.db import connection as db

    with db.connect(target) as conn, conn.cursor() as cur:
        cur.execute("alter table public_next.inventory disable trigger user")
        cur.execute(
            "update public_next.inventory set current_stock = -1"
            " where id = (select id from public_next.inventory order by id limit 1)"
        )
        cur.execute("alter table public_next.warehouses drop constraint _org_warehouse_name_uc")
        conn.commit()
    tampered = validate.validate(target, schemas, phase="post")
    assert tampered.mode == "recomputed" and "is not as run" in tampered.notes[0]  # not as sealed: recomputed
    found = {c.name for c in tampered.checks if c.found}
    assert {"no_negative_stock", "target_constraints_present", "ledger_reconciles_with_inventory"} <= found
    assert not tampered.ok

    # --strict with --force: everything is built and reported, and the run still fails
    strict = build.build(target, schemas, force=True, strict=True, stage_first=False)
    assert not strict.success
    assert {o.name for o in strict.dbt.failed} == {"quarantine_is_empty_when_strict"}
    assert strict.quarantined_rows == 19 and strict.target_row_counts["inventory"] > 0


def test_each_validation_builds_no_target_table_and_runs_its_own_phases_checks(new_database):
    # every validation is one `dbt build` of its selection: the marts (the target tables, the live
    # schema after a cutover) must never be in one; each runs the checks of its phase
    from harness.dbt_bridge import checks, dbt_runner

    target = new_database("ls")  # dbt ls reads no table: any database of the pool (its parse is warm)

    def listed(selection, resource_type, how="--selector"):
        run = dbt_runner.invoke(
            "ls",
            target,
            Schemas("public"),
            args=[how, selection, "--resource-type", resource_type, "--output", "name", "--log-level", "none"],
        )
        assert run.success
        return set(run.listed)

    marts = listed("path:models/marts", "model", how="--select")
    assert {"organizations", "inventory", "transactions", "alembic_version"} <= marts
    assert listed(project.LEAN_POST_VALIDATION, "model") == {
        "reconciliation_row_counts",
        "reconciliation_stock",
        "reconciliation_ledger",
        "reconciliation_totals",
        "reconciliation_post_cutover_writes",
    }
    assert not listed(project.PRE_VALIDATION, "model") & marts
    assert not listed(project.POST_VALIDATION, "model") & marts

    phase = {c.name: c.phase for c in checks.catalogue().values()}
    pre, post = listed(project.PRE_VALIDATION, "test"), listed(project.POST_VALIDATION, "test")
    lean = listed(project.LEAN_POST_VALIDATION, "test")
    assert {name for name, p in phase.items() if p == "pre"} <= pre
    assert {name for name, p in phase.items() if p == "post"} <= post
    assert {phase.get(name, "pre") for name in pre} == {"pre"}
    assert not {"duplicate_emails", "negative_inventory", "unmapped_roles", "missing_oraseas_ee"} & post
    # right after a cutover: not the pre-migration gates on the quarantine (failing by design after --force)
    assert not {"quarantine_has_no_error_rows_unless_forced", "rows_following_a_quarantined_parent"} & lean
    assert {
        "target_constraints_present",
        "no_negative_stock",
        "transactions_invalid_parts",
        "at_most_one_bossaqua",
        "every_legacy_row_accounted_for",
        "ledger_reconciles_with_inventory",
    } <= lean


def test_validate_cli_exit_codes_and_json(new_database, monkeypatch):
    from harness.cli import console

    monkeypatch.setattr(console.out, "width", 200)  # the check names whole, whatever the terminal
    runner = CliRunner()
    target = new_database("clivalidate")
    samples.generate(target, Schemas("public"), "minimal_sample", dirty=True)
    result = runner.invoke(app, ["--dsn", target.dsn, "validate", "--json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["verdict"] == "fail"
    assert any(c["name"] == "negative_inventory" and c["severity"] == "error" for c in document["checks"])
    assert "error: validation found blocking problems" in result.stderr
    # the table the command prints without --json: `harness report` prints a saved report as its command did
    # (render.report; the corpus runs validate without --json)
    table = runner.invoke(app, ["--dsn", target.dsn, "report", f"{document['run_id']}_pre"])
    assert table.exit_code == 0, table.output
    assert "negative_inventory" in table.output and "pre-migration checks on public_stage" in table.output
    post_first = runner.invoke(app, ["--dsn", target.dsn, "validate", "--phase", "post"])
    assert post_first.exit_code == 1 and "nothing is built" in post_first.output
    bad = runner.invoke(app, ["--dsn", target.dsn, "validate", "--phase", "during"])
    assert bad.exit_code == 2
