"""Odd data gets the right answer or a finding that names it, and the application's create paths
work on the result (issue 29). Every case runs as the ordinary migration role (conftest's
`migrator_role`: owner of its database, not a superuser, no CREATEROLE), as a DBA runs it:

- numeric 'NaN' is a pre-migration finding naming its row, --force quarantines it, and every
  report is strict JSON (fixtures/odd_data.sql).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import load_fixture, query, scalar
from pool import embedded_target

from harness.common.schemas import Schemas
from harness.db import connection as db
from harness.flows import build, validate
from harness.reporting import reports

PUBLIC = Schemas("public")
ODD = "c1000000-0000-0000-0000-00000000000"  # + 1..7, fixtures/odd_data.sql
NAN_ITEM = "f2000000-0000-0000-0000-0000000000aa"


def as_role(target: db.Target, role: str) -> db.Target:
    return db.Target(db.make_dsn({**target.params, "user": role}), embedded=True)


def strict_json(text: str):
    """JSON as RFC 8259 has it: NaN, Infinity and -Infinity are not JSON."""

    def refuse(constant: str):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def migrator_template(templates, role: str, name: str, fixtures: tuple[str, ...], work):
    """A template database owned by the ordinary role, its legacy schema loaded from `fixtures` and
    `work(target)` done in it as that role."""

    def make(database) -> None:
        with db.connect(embedded_target("postgres"), autocommit=True) as conn, conn.cursor() as cur:
            cur.execute(f'alter database "{database.database}" owner to {role}')
        target = as_role(database, role)
        load_fixture(target, PUBLIC, *fixtures)
        work(target)
        target.close()

    return templates(name, make)


@pytest.fixture
def odd_built(templates, new_database, migrator_role):
    """fixtures/odd_data.sql on the mapping rules' rows, validated and then built with --force by the
    ordinary role (a copy per test): the database, the pre-validation and the build."""

    def work(target) -> None:
        validate.validate(target, PUBLIC)
        build.build(target, PUBLIC, force=True)  # its outcome is the tests' business

    template = migrator_template(templates, migrator_role, "odd_built", ("mapping_rules", "odd_data"), work)
    target = as_role(new_database("odd", template=template), migrator_role)
    runs = {r["step"]: r["run_id"] for r in query(target, "select step, run_id from migration_audit.steps order by id")}
    pre = strict_json(reports.path_of("validation", f"{runs['validate-pre']}_pre").read_text())
    built = strict_json(reports.path_of("migration", runs["build"]).read_text())
    yield target, pre, built
    target.close()


def test_numeric_nan_is_a_pre_migration_finding_naming_the_row_force_quarantines_it_and_reports_are_strict_json(
    odd_built,
):
    target, pre, built = odd_built
    check = {c["name"]: c for c in pre["checks"]}["numeric_nan_values"]
    assert (check["status"], check["severity"], check["phase"]) == ("found", "error", "pre")
    assert check["example_ids"] == [NAN_ITEM] and "supplier_order_items.unit_price" in check["fix_hint"]
    # --force: the row is quarantined with its reason, and the totals hold without it
    assert query(
        target,
        "select source_table, reason_code from public_stage.migration_quarantine where source_id = %s",
        (NAN_ITEM,),
    ) == [{"source_table": "supplier_order_items", "reason_code": "numeric_nan"}]
    assert scalar(target, "select count(*) from public_next.supplier_order_items where id = %s", (NAN_ITEM,)) == 0
    assert built["success"] is True
    assert {c["name"]: c["status"] for c in built["validation"]["checks"]}["totals_preserved"] == "passed"
    # every report of the runs, parsed as strict JSON, and valid against its schema
    written = reports.find(f"{pre['run_id']}_pre") + reports.find(built["run_id"])
    assert len(written) == 2
    for path in written:
        document = strict_json(Path(path).read_text())
        assert reports.schema_errors(document) == [], path


def test_reports_hold_strict_json_whatever_the_data_holds():
    from decimal import Decimal

    document = reports.jsonable(
        {
            "price": Decimal("NaN"),
            "total": float("inf"),
            "low": -float("inf"),
            "nested": [Decimal("sNaN"), 1.5, Decimal("2.50")],
        }
    )
    strict_json(json.dumps(document, allow_nan=False))
    assert document == {"price": "NaN", "total": "Infinity", "low": "-Infinity", "nested": ["NaN", 1.5, 2.5]}
