"""Validation: every pre-migration check fires on the rows planted for it (the
dirty sample, the critical fixtures) and names exactly them, stays quiet on
clean data but for the sample's own quirks, criticals block even --force, the
quarantine accounts for every row, and reports match their JSON Schemas. That
every check of the project has planted rows or a break (post checks,
test_proofs.py) is test_every_check_has_planted_rows_or_a_break."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from helpers import load_fixture, query, scalar
from pool import sample_template
from typer.testing import CliRunner

from harness.cli.commands import app
from harness.common.errors import CheckFailed
from harness.common.schemas import Schemas
from harness.db import connection as db
from harness.dbt_bridge import checks, dbt_runner, project
from harness.flows import build, samples, validate
from harness.reporting import reports

DIRT = "dd000000-0000-0000-0000-0000000000"


def dd(*suffixes: str) -> set[str]:
    """The ids of rows harness/sql/sample_dirt.sql planted (dd000000-…-0000000000NN)."""
    return {DIRT + s for s in suffixes}


@dataclass(frozen=True)
class Rows:
    """Ids a check must name that only the database knows: the sample's own row a planted row
    duplicates, or the ledger row a model derives. Each names at least one row."""

    sql: str
    params: tuple = ()

    def ids(self, target) -> set[str]:
        found = {next(iter(r.values())) for r in query(target, self.sql, self.params)}
        assert found, ("no row", self.sql, self.params)
        return found


def twin(table: str, column: str, suffix: str) -> Rows:
    """The sample's row with the same `column` as planted row `suffix`."""
    return Rows(
        f"select id::text from public.{table} where {column} = (select {column} from public.{table} where id = %s)"
        " and id <> %s",
        (DIRT + suffix, DIRT + suffix),
    )


def movement(reference: str) -> Rows:
    return Rows(
        "select transaction_id::text from public_stage.int_transactions__movements where reference_number = %s",
        (reference,),
    )


def opening_balances(organization: str, part: str | None = None) -> Rows:
    return Rows(
        "select transaction_id::text from public_stage.int_transactions__opening_balances"
        " where organization_id = %s and (%s::uuid is null or part_id = %s::uuid)",
        (organization, part, part),
    )


def expected_ids(target, planted) -> set[str]:
    return set().union(*(p.ids(target) if isinstance(p, Rows) else {p} for p in planted))


def stored_ids(target, found) -> dict[str, set[str]]:
    """Every offending id each check stored (all of them, not the five examples), by check."""
    with db.connect(target) as conn, conn.cursor() as cur:
        ids = {}
        for check in found:
            if check.found and check.relation:
                cur.execute(f"select id::text from {check.relation}")
                ids[check.name] = {r[0] for r in cur.fetchall()}
        return ids


# check -> (severity, exactly the rows it must name), planted by harness/sql/sample_dirt.sql: every
# pre-migration check that is not critical. A row the sample already had is its twin (the duplicate's
# original); checks that the clean sample fires too (BACKGROUND) name its rows besides.
DIRTY_FINDINGS = {
    "organizations_without_names": ("error", dd("01")),
    "duplicate_organization_names": ("error", {*dd("02"), twin("organizations", "name", "02")}),
    "duplicate_organization_names_ignoring_case": ("warning", {*dd("02", "03"), twin("organizations", "name", "02")}),
    "organizations_without_admin": ("warning", dd("03")),
    "suppliers_without_parent": ("info", dd("04")),
    "users_without_username": ("error", dd("11")),
    "users_without_email": ("error", dd("12")),
    "users_without_role": ("error", dd("13")),
    "duplicate_usernames": ("error", {*dd("14"), twin("users", "username", "14")}),
    "duplicate_emails": ("error", {*dd("15"), twin("users", "email", "15")}),
    "duplicate_usernames_ignoring_case": ("warning", {*dd("14", "16"), twin("users", "username", "14")}),
    "duplicate_emails_ignoring_case": ("warning", {*dd("15", "17"), twin("users", "email", "15")}),
    "super_admin_non_oraseas": ("error", dd("18")),
    "oraseas_admin_outside_oraseas": ("warning", dd("19")),
    "parts_without_number": ("error", dd("21")),
    "parts_without_name": ("error", dd("22")),
    "duplicate_part_numbers": ("error", {*dd("23"), twin("parts", "part_number", "23")}),
    "inconsistent_unit_of_measure": ("warning", dd("24")),
    "bulk_material_by_keyword_in_stock": ("warning", dd("24")),  # Grease Oil Blend, 4 in stock
    "bulk_keyword_overruled_by_count": ("info", dd("25", "26")),  # Oil Filter, Hydraulic Oil 20L: in pieces
    "legacy_columns_not_migrated": ("error", {"parts.shelf_life_days"}),
    "suppliers_holding_stock": ("info", dd("30", "3a")),
    "warehouse_locations_merged": ("info", {DIRT + "04:supplier yard"}),
    "orphaned_inventory": ("error", dd("31")),
    "inventory_invalid_parts": ("error", dd("32")),
    "negative_inventory": ("error", dd("33")),
    "stock_out_of_range": ("error", dd("38")),
    "inventory_without_location": ("info", dd("38")),
    "duplicate_inventory_positions": ("error", dd("37", "39")),
    "machines_invalid_customer": ("error", dd("41")),
    "duplicate_serial_numbers": ("error", {*dd("42"), twin("machines", "serial_number", "42")}),
    "machines_non_customer_org": ("warning", dd("43")),
    "unmapped_supplier_order_statuses": ("warning", dd("51")),
    "unmapped_customer_order_statuses": ("warning", dd("52")),
    "customer_orders_ordering_user_set_null": ("warning", dd("53")),
    "part_usage_references_set_null": ("warning", dd("61")),
    "part_usage_machine_of_other_customer": ("warning", dd("62")),
    "usage_quantity_out_of_range": ("error", dd("63")),
    "implausible_ledger_dates": ("warning", dd("64")),
    "orphaned_references": ("error", {f"supplier_order_items:{DIRT}71"}),
    "numeric_nan_values": ("error", dd("72")),
    "supplier_order_item_quantity_out_of_range": ("error", dd("73")),
    "customer_order_item_quantity_out_of_range": ("error", dd("81")),
    "adjustment_quantity_out_of_range": ("error", dd("86")),
    "rows_following_a_quarantined_parent": ("error", {f"inventory:{DIRT}34"}),  # its part dd…23 is quarantined
    # the gates on the quarantine: every row quarantined (QUARANTINED_BY says by which check)
    "quarantine_has_no_error_rows_unless_forced": ("error", set()),
    "quarantine_is_empty_when_strict": ("info", set()),
}
# the rows each error check sends to the quarantine (of two duplicates, the later one): together,
# exactly the rows of the gates quarantine_has_no_error_rows_unless_forced and (no critical row
# here) quarantine_is_empty_when_strict
QUARANTINED_BY = {
    "organizations_without_names": dd("01"),
    "duplicate_organization_names": dd("02"),
    "users_without_username": dd("11"),
    "users_without_email": dd("12"),
    "users_without_role": dd("13"),
    "duplicate_usernames": dd("14"),
    "duplicate_emails": dd("15"),
    "super_admin_non_oraseas": dd("18"),
    "parts_without_number": dd("21"),
    "parts_without_name": dd("22"),
    "duplicate_part_numbers": dd("23"),
    "orphaned_inventory": dd("31"),
    "inventory_invalid_parts": dd("32"),
    "negative_inventory": dd("33"),
    "rows_following_a_quarantined_parent": dd("34"),
    "stock_out_of_range": dd("38"),
    "duplicate_inventory_positions": dd("39"),
    "machines_invalid_customer": dd("41"),
    "duplicate_serial_numbers": dd("42"),
    "usage_quantity_out_of_range": dd("63"),
    "orphaned_references": dd("71"),
    "numeric_nan_values": dd("72"),
    "supplier_order_item_quantity_out_of_range": dd("73"),
    "customer_order_item_quantity_out_of_range": dd("81"),
    "adjustment_quantity_out_of_range": dd("86"),
}
QUARANTINE_GATES = ("quarantine_has_no_error_rows_unless_forced", "quarantine_is_empty_when_strict")
# rows per check on the clean small sample: the generator's own quirks, which the dirty sample keeps
BACKGROUND = {
    "organizations_without_admin": 4,  # every fourth customer, and suppliers
    "bulk_material_by_keyword_in_stock": 6,  # oils, greases, coolants in stock
    "inventory_without_location": 26,
    "suppliers_holding_stock": 8,
    "suppliers_without_parent": 2,  # every supplier: the legacy schema has no parents
    "warehouse_locations_merged": 9,  # 'Main Warehouse' and no location, 'Van 1' and 'van 1', ...
}

A = "a0000000-0000-0000-0000-0000000000"  # pytests/fixtures/mapping_rules.sql: organisations
B = "b0000000-0000-0000-0000-0000000000"  # users
# check -> exactly the rows it must name, planted by pytests/fixtures/critical_findings.sql (on
# mapping_rules.sql): every critical pre-migration check but missing_oraseas_ee, which excludes
# multiple_oraseas_ee (MISSING_HEAD)
CRITICAL_FINDINGS = {
    "unmapped_organization_types": {A + "04"},  # Harbor Farms: 'Distributor'
    "unmapped_roles": {B + "07"},  # 'Regional Manager'
    "multiple_oraseas_ee": {A + "01", A + "08"},
    "multiple_bossaqua": {A + "02", A + "09"},
    "users_invalid_organization": {B + "99"},
    # no admin and no Oraseas EE super_admin: AutoParts' opening balance, Idle Customer's usage
    "performed_by_fallback_unavailable": {A + "05", A + "07"},
    "every_movement_has_a_performer": {movement("part_usage:f5000000-0000-0000-0000-000000000004")},
    "every_opening_balance_has_a_performer": {opening_balances(A + "05"), opening_balances(A + "07")},
    "opening_balance_out_of_range": {opening_balances(A + "03", "c0000000-0000-0000-0000-000000000006")},
    # the gate on the quarantine: the rows the first three quarantine as critical
    "quarantine_has_no_critical_rows": {A + "04", B + "07", B + "99"},
}
CRITICAL_GATE = ("unmapped_organization_types", "unmapped_roles", "users_invalid_organization")
# pytests/fixtures/missing_oraseas_ee.sql: no head company, so no Oraseas EE super_admin either
MISSING_HEAD = {
    "missing_oraseas_ee": {"none"},
    "performed_by_fallback_unavailable": {A + "04", A + "05"},
    "every_movement_has_a_performer": {movement("part_usage:f5000000-0000-0000-0000-000000000003")},
    "every_opening_balance_has_a_performer": {opening_balances(A + "04"), opening_balances(A + "05")},
}


@pytest.fixture(scope="module")
def validated(module_database):
    """The small sample validated clean, then again with the dirt planted (one database, generated
    twice): each validation's result and the ids every check stored."""

    def prepare(target):
        schemas = Schemas("public")
        samples.generate(target, schemas, "small_sample")
        clean = validate.validate(target, schemas)
        clean_ids = stored_ids(target, clean.checks)
        samples.generate(target, schemas, "small_sample", dirty=True, replace=True)
        dirty = validate.validate(target, schemas)
        return clean, clean_ids, dirty, stored_ids(target, dirty.checks)

    return module_database(prepare)


@pytest.fixture(scope="module")
def dirty(validated):
    _, (_, _, result, _) = validated
    return {c.name: c for c in result.checks}, result


def assert_names_exactly(check, ids: set[str], expected: set[str]) -> None:
    """The check found exactly these rows: all of them stored, counted, and its examples among them."""
    assert check.status == "found", (check.name, check.status, check.message)
    assert ids == expected, (check.name, sorted(ids - expected), sorted(expected - ids))
    assert check.failing_rows == len(expected), check.name
    assert len(check.example_ids) == min(len(expected), checks.EXAMPLES) and set(check.example_ids) <= expected


@pytest.mark.parametrize("name", sorted(DIRTY_FINDINGS))
def test_each_planted_problem_is_found_with_its_severity_and_exactly_its_rows(validated, name):
    target, (_, clean_ids, result, dirty_ids) = validated
    severity, planted = DIRTY_FINDINGS[name]
    check = {c.name: c for c in result.checks}[name]
    assert check.severity == severity
    if name in QUARANTINE_GATES:
        planted = set().union(*QUARANTINED_BY.values())
    expected = expected_ids(target, planted) | clean_ids.get(name, set())
    assert_names_exactly(check, dirty_ids.get(name, set()), expected)
    assert "{value}" not in check.fix_hint()


def test_the_quarantine_gates_fire_for_exactly_the_rows_their_checks_quarantine(validated):
    target, (_, _, result, dirty_ids) = validated
    # which checks make the gates fire: every error check whose rows the quarantine takes (not the
    # legacy column, a column's finding: --force accepts it), and no other
    errors = {name for name, (severity, _) in DIRTY_FINDINGS.items() if severity == "error"}
    assert set(QUARANTINED_BY) == errors - {"legacy_columns_not_migrated", *QUARANTINE_GATES}
    for name, quarantined in QUARANTINED_BY.items():
        named = {i.split(":")[-1] for i in dirty_ids[name]}  # orphaned_references: table:id
        assert quarantined <= named, name
    reasons = query(target, "select source_id::text as id, reason_code from public_stage.migration_quarantine")
    assert {r["id"] for r in reasons} == set().union(*QUARANTINED_BY.values())
    # a row that follows its parent names the parent, and the check that quarantined it
    assert {r["reason_code"] for r in reasons if r["id"] == DIRT + "34"} == {"parent_quarantined"}
    follower = query(target, "select value from public_stage.rows_following_a_quarantined_parent")
    assert [r["value"] for r in follower] == [f"part {DIRT}23 is quarantined (duplicate_part_number)"]


def test_the_dirty_sample_is_refused_with_exit_code_1_and_a_report(dirty):
    _, result = dirty
    assert result.summary["verdict"] == "fail"
    assert not any(c.found for c in result.checks if c.severity == "critical")
    with pytest.raises(CheckFailed, match="blocking problems"):
        validate.require_ok(result)
    document = json.loads(open(result.report_path).read())
    assert reports.schema_errors(document) == []
    # nothing found but what was planted (and the clean sample's BACKGROUND)
    assert {c["name"] for c in document["checks"] if c["status"] == "found"} == set(DIRTY_FINDINGS)


def test_fix_hints_name_the_value_and_the_seed(dirty):
    found, _ = dirty
    assert (
        found["unmapped_supplier_order_statuses"].fix_hint()
        == "add a row to seeds/order_status_map.csv for status 'On Hold'"
    )
    assert "seeds/part_type_overrides.csv" in found["inconsistent_unit_of_measure"].fix_hint()


def test_clean_data_shows_only_its_background_and_blocks_nothing(validated):
    _, (result, clean_ids, _, _) = validated
    assert result.ok, result.summary
    # what realistic data legitimately shows: organisations without admins, and information; an info
    # check is reported with its rows, although dbt counts none for a check that never warns
    assert {c.name: c.failing_rows for c in result.checks if c.found} == BACKGROUND
    assert {c.severity for c in result.checks if c.found} == {"warning", "info"}
    assert {name: len(ids) for name, ids in clean_ids.items()} == BACKGROUND


def validated_fixture(target, *fixtures: str) -> tuple[validate.ValidationResult, dict[str, set[str]]]:
    load_fixture(target, Schemas("public"), *fixtures)
    result = validate.validate(target, Schemas("public"))
    return result, stored_ids(target, result.checks)


def test_critical_problems_are_found_exactly_and_block_even_with_force(new_database):
    target, schemas = new_database("critical"), Schemas("public")
    result, ids = validated_fixture(target, "mapping_rules", "critical_findings")
    by_name = {c.name: c for c in result.checks}
    assert {c.name for c in result.checks if c.found and c.severity == "critical"} == set(CRITICAL_FINDINGS)
    for name, planted in CRITICAL_FINDINGS.items():
        assert by_name[name].severity == "critical"
        assert_names_exactly(by_name[name], ids[name], expected_ids(target, planted))
    # which checks make the gate fire: the rows they quarantine as critical
    assert ids["quarantine_has_no_critical_rows"] == set().union(*(ids[name] for name in CRITICAL_GATE))
    assert "seeds/organization_type_map.csv for type 'Distributor'" in by_name["unmapped_organization_types"].fix_hint()
    assert "'Regional Manager'" in by_name["unmapped_roles"].fix_hint()
    assert "stock 9999999.000 minus movements -1.000" in by_name["opening_balance_out_of_range"].example_value
    forced = build.build(target, schemas, force=True)
    assert not forced.success
    assert "unmapped_organization_types" in {o.name for o in forced.dbt.failed}


def test_missing_oraseas_ee_is_critical_and_leaves_no_fallback_performer(new_database):
    target = new_database("nohead")
    result, ids = validated_fixture(target, "mapping_rules", "missing_oraseas_ee")
    by_name = {c.name: c for c in result.checks}
    assert {c.name for c in result.checks if c.found and c.severity == "critical"} == set(MISSING_HEAD)
    for name, planted in MISSING_HEAD.items():
        assert_names_exactly(by_name[name], ids[name], expected_ids(target, planted))
    assert "seeds/organization_overrides.csv" in by_name["missing_oraseas_ee"].fix_hint()


FIRST_ROW_AGAIN = object()  # a seed's first row, listed a second time
# seed -> the rows a DBA's edit appended, breaking each of its tests; and what each test then counts
SEED_BREAKS = {
    "organization_type_map": ["customer,customer,twice", "distributor,distributor,not a type of the target"],
    "organization_overrides": ["oraseas ee,oraseas_ee,twice", "harbor farms,distributor,not a type of the target"],
    "user_role_map": ["customer user,user,user,twice", "regional manager,manager,boss,not roles of the target"],
    "bulk_material_keywords": ["oil,liters,twice", "paste,,no unit"],
    "counting_words": ["filter,twice"],
    "part_type_overrides": ["PN-0001,consumable,pieces,", "PN-0001,consumable,pieces,twice", "PN-0002,gadget,,"],
    "unit_of_measure_defaults": ["consumable,pieces,twice"],
    "order_status_map": ["pending,false,twice"],
    "app_alembic_revisions": [FIRST_ROW_AGAIN, "no_file_revision,31e87319dc9a,,"],
    "app_schema_columns": [FIRST_ROW_AGAIN, "organizations,no_type,99,,false,,model"],
}
SEED_FINDINGS = {
    "seed_key_organization_type_map_legacy_type": 1,
    "accepted_values_organization_type_map_organization_type__oraseas_ee__bossaqua__customer__supplier": 1,
    "seed_key_organization_overrides_organization_name": 1,
    "accepted_values_organization_overrides_organization_type__oraseas_ee__bossaqua__customer__supplier": 1,
    "seed_key_user_role_map_legacy_role": 1,
    "accepted_values_user_role_map_role_in_oraseas_ee__user__admin__super_admin": 1,
    "accepted_values_user_role_map_role_elsewhere__user__admin__super_admin": 1,
    "seed_key_bulk_material_keywords_keyword": 1,
    "not_null_bulk_material_keywords_unit_of_measure": 1,
    "seed_key_counting_words_word": 1,
    "seed_key_part_type_overrides_part_number": 1,
    "accepted_values_part_type_overrides_part_type__consumable__bulk_material": 1,
    "seed_key_unit_of_measure_defaults_part_type": 1,
    "seed_key_order_status_map_legacy_status": 1,
    "unique_app_alembic_revisions_revision_coalesce_down_revision_root_": 1,
    "seed_columns_filled_app_alembic_revisions_revision__source_file": 1,
    "unique_app_schema_columns_table_name_column_name": 1,
    "seed_columns_filled_app_schema_columns_table_name__column_name__data_type__is_nullable": 1,
}


def test_each_seed_test_fails_on_the_edit_that_breaks_it(project_copy, new_database):
    # the seeds' own tests, once for the family: every seed a DBA may edit (and the facts of the
    # application) broken in a copy of the project, each test counting exactly its broken rows
    for seed, rows in SEED_BREAKS.items():
        path = project_copy / "seeds" / f"{seed}.csv"
        lines = path.read_text().splitlines()
        appended = [lines[1] if row is FIRST_ROW_AGAIN else row for row in rows]
        path.write_text("\n".join(lines + appended) + "\n")
    target = new_database("seeds")
    run = dbt_runner.invoke(
        "build", target, Schemas("public"), args=["--select", "resource_type:seed", "--log-level", "none"]
    )
    dbt_runner.raise_on_error(run)
    found = checks.collect(target, [run], phases=("pre",))
    assert {c.name: c.failing_rows for c in found if c.found} == SEED_FINDINGS
    assert {c.name for c in found if c.meaning.startswith("mapping seed ")} == set(SEED_FINDINGS)
    assert {c.severity for c in found if c.found} == {"critical"}


def test_every_check_has_planted_rows_or_a_break(validated):
    # a new check fails here until it has planted rows (a pre check: the dirty sample, or a fixture
    # when it is critical) or a break (a post check: it cannot fire on legacy data, so test_proofs.py
    # breaks a copy of the built target for it); the seeds' tests are broken above
    from test_proofs import BREAKS
    from test_settings import LOCALE_FINDINGS  # those that fire only where the server cannot fold a letter

    catalogue = checks.catalogue()
    phase = {c.name: c.phase for c in catalogue.values()}
    planted = set(DIRTY_FINDINGS) | set(CRITICAL_FINDINGS) | set(MISSING_HEAD) | set(SEED_FINDINGS) | LOCALE_FINDINGS
    assert sorted({name for name, p in phase.items() if p == "pre"} - planted) == []
    assert planted <= {name for name, p in phase.items() if p == "pre"}
    assert {name for name, p in phase.items() if p == "post"} == {b.check for b in BREAKS}


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
    # the planted rows QUARANTINED_BY names, by table and reason: nothing else
    reasons = {(g["source_table"], g["reason_code"]): g["rows"] for g in forced["quarantine"]["groups"]}
    assert reasons == {
        ("organizations", "blank_name"): 1,
        ("organizations", "duplicate_name"): 1,
        ("users", "blank_username"): 1,
        ("users", "blank_email"): 1,
        ("users", "blank_role"): 1,
        ("users", "duplicate_username"): 1,
        ("users", "duplicate_email"): 1,
        ("users", "super_admin_outside_oraseas"): 1,
        ("parts", "blank_part_number"): 1,
        ("parts", "blank_part_name"): 1,
        ("parts", "duplicate_part_number"): 1,
        ("inventory", "missing_parent"): 2,
        ("inventory", "negative_stock"): 1,
        ("inventory", "parent_quarantined"): 1,
        ("inventory", "stock_out_of_range"): 1,
        ("inventory", "duplicate_inventory_position"): 1,
        ("machines", "missing_parent"): 1,
        ("machines", "duplicate_serial_number"): 1,
        ("part_usage", "quantity_out_of_range"): 1,
        ("supplier_order_items", "missing_parent"): 1,
        ("supplier_order_items", "numeric_nan"): 1,
        ("supplier_order_items", "quantity_out_of_range"): 1,
        ("customer_order_items", "quantity_out_of_range"): 1,
        ("stock_adjustments", "quantity_out_of_range"): 1,
    }
    assert forced["quarantined_rows"] == sum(reasons.values()) == len(set().union(*QUARANTINED_BY.values())) == 25
    stock = forced["reconciliation"]["stock"]
    assert stock["legacy_total"] == stock["migrated_total"] + stock["quarantined_total"]
    assert stock["quarantined_total"] > 0
    saved = query(target, "select count(*) as n from migration_audit.quarantine where run_id = %s", (forced["run_id"],))
    assert saved[0]["n"] == 25
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
    assert strict.quarantined_rows == 25 and strict.target_row_counts["inventory"] > 0


def test_each_validation_builds_no_target_table_and_runs_its_own_phases_checks(new_database):
    # every validation is one `dbt build` of its selection: the marts (the target tables, the live
    # schema after a cutover) must never be in one; each runs the checks of its phase
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
