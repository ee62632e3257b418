"""Odd data gets the right answer or a finding that names it, and the application's create paths
work on the result (issue 29). Every case runs as the ordinary migration role (conftest's
`migrator_role`: owner of its database, not a superuser, no CREATEROLE), as a DBA runs it:

- part names that hold a bulk-material keyword and a counting word or a pack size stay
  consumable in pieces; a part the keyword rule makes bulk_material while it holds stock is
  a warning naming the seed line that settles it (fixtures/odd_data.sql);
- numeric 'NaN' is a pre-migration finding naming its row, --force quarantines it, and every
  report is strict JSON;
- a legacy database with only organisations migrates (fixtures/only_organizations.sql);
- the application's create paths work on it (a part order without a status), and a forced
  rollback counts every write it carried back, per table.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import load_fixture, query, scalar
from pool import embedded_target
from typer.testing import CliRunner

from harness.cli.commands import app
from harness.common.schemas import Schemas
from harness.db import connection as db
from harness.flows import build, migrate, validate
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


def test_counted_parts_keep_their_unit_and_bulk_stock_by_keyword_is_a_warning_naming_the_seed_line(odd_built):
    target, pre, built = odd_built
    parts = {
        r["part_number"]: (r["part_type"], r["unit_of_measure"])
        for r in query(target, "select part_number, part_type::text, unit_of_measure from public_next.parts")
    }
    # a keyword and a counting word or a pack size in the name: counted, in pieces (their stock keeps its meaning)
    for number in ("PN-ODD-1", "PN-ODD-2", "PN-ODD-3", "PN-ODD-4", "PN-ODD-5", "PN-ODD-6", "PN-ODD-7"):
        assert parts[number] == ("consumable", "pieces"), number
    assert parts["PN-002-B"] == ("bulk_material", "liters")  # "Hydraulic Oil ISO 46": no count, no pack size
    assert parts["PN-ODD-8"] == ("bulk_material", "liters")  # "coolant" in the description of "Radiator Mix"
    found = {c["name"]: c for c in pre["checks"] if c["status"] == "found"}
    kept = found["bulk_keyword_overruled_by_count"]
    assert kept["severity"] == "info" and {ODD + str(n) for n in range(1, 8)} <= set(
        query_ids(target, "bulk_keyword_overruled_by_count")
    )
    # the keyword rule made a part bulk_material while it holds stock: a warning naming the part, the keyword,
    # the unit and the seed line that settles it
    warned = found["bulk_material_by_keyword_in_stock"]
    assert warned["severity"] == "warning"
    rows = {
        r["id"]: r["value"]
        for r in query(target, "select id, value from public_stage.bulk_material_by_keyword_in_stock")
    }
    assert set(rows) == {"c0000000-0000-0000-0000-000000000002"}  # PN-006-F and PN-ODD-8 hold no stock
    value = rows["c0000000-0000-0000-0000-000000000002"]
    for named in (
        "PN-002-B",
        "Hydraulic Oil ISO 46",
        "'oil'",
        "liters",
        "61 in stock",
        "PN-002-B,consumable,pieces,",
        "PN-002-B,bulk_material,liters,",
        "seeds/part_type_overrides.csv",
    ):
        assert named in value, (named, value)
    # how many parts were classified each way: in the build's report (and the plan)
    classified = {
        (r["classified_by"], r["part_type"], r["unit_of_measure"]): r["parts"]
        for r in built["reconciliation"]["part_classification"]
    }
    assert classified[("keyword", "bulk_material", "liters")] == 3  # PN-002-B, PN-006-F, PN-ODD-8
    assert classified[("keyword overruled by a count", "consumable", "pieces")] == 9
    assert sum(classified.values()) == scalar(target, "select count(*) from public_next.parts")
    from harness.cli import console, render

    with console.out.capture() as shown:
        render.build(built)  # the plan draws the same line
    assert "9 consumable in pieces by keyword overruled by a count (9 holding stock)" in shown.get()


def query_ids(target, relation: str) -> list[str]:
    return [r["id"] for r in query(target, f"select id from public_stage.{relation}")]


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


@pytest.fixture(scope="module")
def only_organizations(migrator_role, server):
    """fixtures/only_organizations.sql in a database the ordinary role owns, for the tests below, which go on
    in their order from where the previous one left it: migrated, written to by the application, rolled back."""
    name = "odd_orgs"
    server_db = embedded_target("postgres")
    db.create_database(server_db, name, replace=True)
    with db.connect(server_db, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(f'alter database "{name}" owner to {migrator_role}')
    target = as_role(embedded_target(name), migrator_role)
    load_fixture(target, PUBLIC, "only_organizations")
    yield target
    target.close()
    db.drop_database(server_db, name)


def test_a_legacy_database_with_only_organisations_migrates(only_organizations):
    target = only_organizations
    done = migrate.migrate(target, PUBLIC)
    assert done.stopped_after == "done" and done.post.ok
    assert not [c.name for c in done.built.checks if c.blocking]
    assert scalar(target, "select count(*) from public.organizations") == 3
    assert scalar(target, "select count(*) from public.transactions") == 0


def test_the_application_creates_a_part_order_without_a_status(only_organizations):
    # what create_part_order_request sends: no status, no priority (the server defaults fill them in)
    target = only_organizations
    with db.connect(target) as conn, conn.cursor() as cur:
        cur.execute(
            "insert into public.users (id, organization_id, username, password_hash, email, role, user_status)"
            " values ('b1000000-0000-0000-0000-000000000001', 'a1000000-0000-0000-0000-000000000002',"
            " 'first_admin', 'x', 'first@autoboss.example', 'admin', 'active')"
        )
        cur.execute(
            "insert into public.part_order_requests (order_number, customer_organization_id, supplier_type,"
            " requested_by_user_id) values ('PO-1', 'a1000000-0000-0000-0000-000000000002',"
            " 'ORASEAS_EE', 'b1000000-0000-0000-0000-000000000001')"
            " returning status::text, priority::text"
        )
        assert cur.fetchone() == ("REQUESTED", "MEDIUM")
        conn.commit()
    defaults = {
        r["column"]: r["expression"]
        for r in query(
            target,
            "select c.relname || '.' || a.attname as column, pg_get_expr(d.adbin, d.adrelid) as expression"
            " from pg_attrdef d join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum"
            " join pg_class c on c.oid = d.adrelid where c.relnamespace = 'public'::regnamespace"
            " and a.attname in ('status', 'priority')",
        )
    }
    assert defaults["maintenance_recommendations.status"] == "'PENDING'::maintenancestatus"


def test_a_forced_rollback_counts_every_write_it_carried_back_per_table(only_organizations):
    target = only_organizations
    ids = {
        "part": "c1100000-0000-0000-0000-000000000001",
        "inventory": "e1100000-0000-0000-0000-000000000001",
        "org": "a1000000-0000-0000-0000-000000000001",
        "user": "b1000000-0000-0000-0000-000000000001",
    }
    adjustments = [f"f6100000-0000-0000-0000-00000000000{n}" for n in range(1, 4)]
    with db.connect(target) as conn, conn.cursor() as cur:
        # what the application's stock-adjustment endpoint writes: the adjustment rows, and the stock itself
        cur.execute("insert into public.parts (id, part_number, name) values (%(part)s, 'PN-NEW-1', 'Drive Belt')", ids)
        cur.execute(
            "insert into public.inventory (id, warehouse_id, part_id, current_stock, unit_of_measure)"
            " select %(inventory)s, w.id, %(part)s, 7, 'pieces' from public.warehouses w"
            " where w.organization_id = %(org)s order by w.id limit 1",
            ids,
        )
        for adjustment in adjustments:
            cur.execute(
                "insert into public.stock_adjustments (id, inventory_id, user_id, quantity_adjusted,"
                " reason_code) values (%s, %s, %s, 1, 'Found Stock')",
                (adjustment, ids["inventory"], ids["user"]),
            )
        conn.commit()
    result = CliRunner().invoke(app, ["--dsn", target.dsn, "rollback", "--force"])
    assert result.exit_code == 0, result.output
    assert scalar(target, "select count(*) from public.stock_adjustments") == 3  # all three came back ...
    expected = {"users": 1, "parts": 1, "inventory": 1, "stock_adjustments": 3}
    details = scalar(
        target, "select details from migration_audit.steps where step = 'rollback' order by id desc limit 1"
    )
    assert {table: rows for table, rows in details["carried"].items() if rows} == expected  # ... and counted
    # the summary the operator reads says the same, table by table
    cells = [line.replace("│", " ").split() for line in result.stdout.split("carried back")[1].splitlines()]
    shown = {row[0]: int(row[1]) for row in cells if len(row) == 2 and row[1].isdigit()}
    assert {table: rows for table, rows in shown.items() if rows} == expected, result.stdout
    # the run's report and its HTML page say it was rolled back, with the same counts
    run_id = details["rolledback_schema"].removeprefix("public_rolledback_")
    report = reports.load(reports.path_of("migration", run_id))
    assert report["outcome"] == "rolled back" and reports.schema_errors(report) == []
    carried = report["rollback"]["carried"]["carried"]
    assert {table: rows for table, rows in carried.items() if rows} == expected
    page = reports.page(run_id).read_text()
    assert 'id="rolled-back"' in page and "carried back to legacy table" in page
    assert "<td>stock_adjustments</td>" in page.replace(' class="num"', "")
