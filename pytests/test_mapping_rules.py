"""One test per mapping rule (mapping-rules.md), on hand-written legacy rows
(fixtures/mapping_rules.sql) built once through the real dbt project."""

from __future__ import annotations

import pytest
from helpers import load_fixture, query, scalar

from harness.common.schemas import Schemas
from harness.flows import build, validate

ORASEAS = "a0000000-0000-0000-0000-000000000001"
BOSSAQUA = "a0000000-0000-0000-0000-000000000002"
AUTOBOSS = "a0000000-0000-0000-0000-000000000003"
HARBOR = "a0000000-0000-0000-0000-000000000004"
AUTOPARTS = "a0000000-0000-0000-0000-000000000005"
QUIET_SUPPLIER = "a0000000-0000-0000-0000-000000000006"
IDLE_CUSTOMER = "a0000000-0000-0000-0000-000000000007"


def part(n: int) -> str:
    return f"c0000000-0000-0000-0000-00000000000{n}"


@pytest.fixture(scope="module")
def built(module_database):
    def prepare(target) -> None:
        schemas = Schemas("public")
        load_fixture(target, schemas, "mapping_rules")
        result = build.build(target, schemas)
        assert result.success, result.failure_summary()

    target, _ = module_database(prepare)
    return target


def warehouse(target, organization_id: str, name: str) -> str:
    rows = query(
        target,
        "select id::text from public_next.warehouses where organization_id = %s and name = %s",
        (organization_id, name),
    )
    assert rows, f"no warehouse {name!r} for {organization_id}"
    return rows[0]["id"]


def ledger(target, reference: str) -> list[dict]:
    return query(
        target,
        "select transaction_type::text as type, part_id::text, from_warehouse_id::text, to_warehouse_id::text,"
        " machine_id::text, quantity, performed_by_user_id::text, transaction_date, notes"
        " from public_next.transactions where reference_number = %s order by part_id",
        (reference,),
    )


def test_organisation_types_come_from_the_type_map_and_name_overrides(built):
    rows = query(built, "select name, organization_type::text as t from public_next.organizations")
    types = {r["name"]: r["t"] for r in rows}
    assert types == {
        "Oraseas EE": "oraseas_ee",  # typed "Warehouse": the name override and the type map agree
        "Bossaqua Ltd": "bossaqua",
        "Autoboss Inc": "customer",
        "Harbor Farms": "customer",  # "  customer " normalised
        "AutoParts Ltd": "supplier",
        "Quiet Supplier": "supplier",  # "SUPPLIER"
        "Idle Customer": "customer",
    }


def test_suppliers_get_oraseas_as_parent_and_others_none(built):
    parents = {
        r["id"]: r["parent"]
        for r in query(built, "select id::text, parent_organization_id::text as parent from public_next.organizations")
    }
    assert parents[AUTOPARTS] == ORASEAS and parents[QUIET_SUPPLIER] == ORASEAS
    assert all(parents[o] is None for o in (ORASEAS, BOSSAQUA, AUTOBOSS, HARBOR, IDLE_CUSTOMER))
    assert scalar(built, "select count(*) from public_next.organizations where not is_active") == 0


def test_roles_map_through_the_seed_with_oraseas_admin_depending_on_the_organisation(built):
    roles = {
        r["username"]: (r["role"], r["user_status"])
        for r in query(built, "select username, role::text, user_status::text from public_next.users")
    }
    assert roles == {
        "superadmin": ("super_admin", "active"),
        "oraseasee_admin": ("super_admin", "active"),  # same legacy string: both super admins inside Oraseas EE
        "inventory_manager": ("admin", "active"),
        "autoboss_admin_old": ("admin", "inactive"),  # legacy is_active false
        "autoboss_admin": ("admin", "active"),  # "customer admin"
        "autoboss_user": ("user", "active"),  # "Customer  User"
        "harbor_user": ("user", "active"),
        "bossaqua_boss": ("admin", "active"),  # "Oraseas Admin" outside Oraseas EE
        "autoparts_user": ("user", "active"),
    }
    downgraded = query(built, "select username from public_stage.int_users__mapped where role_downgraded")
    assert [r["username"] for r in downgraded] == ["bossaqua_boss"]


def test_password_hashes_are_copied_verbatim(built):
    pairs = query(
        built,
        "select l.password_hash = t.password_hash as same from public.users l join public_next.users t using (id)",
    )
    assert len(pairs) == 9 and all(p["same"] for p in pairs)


def test_parts_are_classified_by_keywords_with_units(built):
    parts = {
        r["part_number"]: (r["part_type"], r["unit_of_measure"])
        for r in query(built, "select part_number, part_type::text, unit_of_measure from public_next.parts")
    }
    assert parts == {
        "PN-001-A": ("consumable", "pieces"),
        "PN-002-B": ("bulk_material", "liters"),  # "oil"
        "PN-003-C": ("consumable", "pieces"),  # "grease", but a cartridge is counted (seeds/counting_words.csv)
        "PN-004-D": ("consumable", "pieces"),  # "Foil" contains "oil" but not as a word
        "PN-005-E": ("consumable", "pieces"),  # "coolant" in the description, but a pump seal is counted
        "PN-006-F": ("bulk_material", "liters"),  # "lubricant" and "oil": the longer keyword wins
    }


def test_the_override_seeds_win_over_keywords_and_over_the_type_map(project_copy, new_database):
    # what a DBA does: add rows to seeds/part_type_overrides.csv and seeds/organization_overrides.csv, rebuild
    (project_copy / "seeds" / "part_type_overrides.csv").write_text(
        "part_number,part_type,unit_of_measure,note\n"
        "PN-005-E,consumable,,a seal is not a bulk material\n"
        "PN-001-A,bulk_material,,no unit given: unit_of_measure_defaults.csv decides\n"
    )
    organizations = project_copy / "seeds" / "organization_overrides.csv"
    organizations.write_text(organizations.read_text() + "quiet supplier,customer,typed SUPPLIER by mistake\n")
    target, schemas = new_database("override"), Schemas("public")
    load_fixture(target, schemas, "mapping_rules")
    result = build.build(target, schemas)
    assert result.success, result.failure_summary()
    parts = {
        r["part_number"]: (r["part_type"], r["unit_of_measure"])
        for r in query(target, "select part_number, part_type::text, unit_of_measure from public_next.parts")
    }
    assert parts["PN-005-E"] == ("consumable", "pieces")
    assert parts["PN-001-A"] == ("bulk_material", "liters")
    assert parts["PN-002-B"] == ("bulk_material", "liters")  # untouched rows keep the keyword rule
    # the name's override beats its legacy type's map (SUPPLIER -> supplier): a customer, without a parent
    organisations = {
        r["name"]: (r["type"], r["parent"])
        for r in query(
            target,
            "select name, organization_type::text as type, parent_organization_id::text as parent"
            " from public_next.organizations",
        )
    }
    assert organisations["Quiet Supplier"] == ("customer", None)
    assert organisations["AutoParts Ltd"] == ("supplier", ORASEAS)  # untouched rows keep the type map


def test_a_seed_edited_into_listing_a_value_twice_or_none_blocks_and_is_named(project_copy, new_database):
    # what a DBA may do by mistake: list a status twice, and add a row without one
    seed = project_copy / "seeds" / "order_status_map.csv"
    seed.write_text(seed.read_text() + "delivered,false,listed again\n,true,no status\n")
    target, schemas = new_database("seedkey"), Schemas("public")
    load_fixture(target, schemas, "mapping_rules")
    result = validate.validate(target, schemas)
    critical = [c for c in result.checks if c.found and c.severity == "critical"]
    assert [c.name for c in critical] == ["seed_key_order_status_map_legacy_status"], [c.name for c in critical]
    (check,) = critical
    assert check.failing_rows == 2  # the value listed twice, the row without one
    assert check.fix_hint() == "correct seeds/order_status_map.csv" and not result.ok


def test_warehouses_come_from_messy_locations(built):
    rows = query(built, "select organization_id::text as org, name from public_next.warehouses order by 1, 2")
    names: dict[str, list[str]] = {}
    for r in rows:
        names.setdefault(r["org"], []).append(r["name"])
    assert names[ORASEAS] == ["Athens Depot", "Main Warehouse"]  # NULL merges into "Main Warehouse"
    assert names[AUTOBOSS] == ["Main Store", "Main Warehouse"]  # 3 spellings of main store; blank -> Main
    assert names[HARBOR] == ["Main Warehouse", "YARD"]  # Yard, YARD, yard: a tie, the smallest (byte order) wins
    assert names[AUTOPARTS] == ["Main Warehouse"]  # a supplier holding stock gets a warehouse
    assert QUIET_SUPPLIER not in names  # a supplier without stock gets none
    assert names[BOSSAQUA] == ["Main Warehouse"] and names[IDLE_CUSTOMER] == ["Main Warehouse"]


def test_warehouse_ids_are_md5_of_organisation_and_normalised_name(built):
    expected = scalar(built, "select md5('warehouse:' || %s || ':main store')::uuid::text", (AUTOBOSS,))
    assert warehouse(built, AUTOBOSS, "Main Store") == expected


def test_inventory_rows_keep_ids_and_land_in_their_locations_warehouse(built):
    rows = {
        r["id"]: r
        for r in query(
            built, "select id::text, warehouse_id::text, current_stock, unit_of_measure from public_next.inventory"
        )
    }
    assert len(rows) == 13
    main_store = warehouse(built, AUTOBOSS, "Main Store")
    for n in (4, 5, 6, 7):
        assert rows[f"e0000000-0000-0000-0000-00000000000{n}"]["warehouse_id"] == main_store
    assert rows["e0000000-0000-0000-0000-000000000008"]["warehouse_id"] == warehouse(built, AUTOBOSS, "Main Warehouse")
    bulk = rows["e0000000-0000-0000-0000-000000000002"]
    assert bulk["unit_of_measure"] == "liters" and str(bulk["current_stock"]) == "50.000"


def test_consumption_from_the_customers_holding_warehouse_else_main(built):
    held = ledger(built, "part_usage:f5000000-0000-0000-0000-000000000001")
    assert held == [
        {
            "type": "consumption",
            "part_id": part(1),
            "from_warehouse_id": warehouse(built, AUTOBOSS, "Main Store"),
            "to_warehouse_id": None,
            "machine_id": "d0000000-0000-0000-0000-000000000001",
            "quantity": held[0]["quantity"],
            "performed_by_user_id": "b0000000-0000-0000-0000-000000000006",
            "transaction_date": held[0]["transaction_date"],
            "notes": "service",
        }
    ]
    assert str(held[0]["quantity"]) == "2.000"
    not_held = ledger(built, "part_usage:f5000000-0000-0000-0000-000000000002")
    assert not_held[0]["from_warehouse_id"] == warehouse(built, AUTOBOSS, "Main Warehouse")
    usage_warehouse = scalar(
        built,
        "select warehouse_id::text from public_next.part_usage where id = %s",
        ("f5000000-0000-0000-0000-000000000002",),
    )
    assert usage_warehouse == not_held[0]["from_warehouse_id"]


def test_stock_adjustments_become_signed_adjustments_at_the_inventory_warehouse(built):
    adjustment = ledger(built, "stock_adjustment:f6000000-0000-0000-0000-000000000001")
    assert len(adjustment) == 1
    a = adjustment[0]
    assert (a["type"], a["from_warehouse_id"], a["to_warehouse_id"]) == (
        "adjustment",
        None,
        warehouse(built, AUTOBOSS, "Main Store"),
    )
    assert str(a["quantity"]) == "-2.000" and a["notes"] == "Damaged Goods: dropped"
    assert a["performed_by_user_id"] == "b0000000-0000-0000-0000-000000000005"


def test_delivered_supplier_orders_become_creations_and_others_nothing(built):
    delivered = ledger(built, "supplier_order:f1000000-0000-0000-0000-000000000001")
    assert [(d["type"], d["part_id"], d["to_warehouse_id"], d["from_warehouse_id"]) for d in delivered] == [
        ("creation", part(1), warehouse(built, ORASEAS, "Main Warehouse"), None),
        ("creation", part(3), warehouse(built, ORASEAS, "Athens Depot"), None),
    ]
    assert all(d["transaction_date"].isoformat().startswith("2024-03-10") for d in delivered)
    assert ledger(built, "supplier_order:f1000000-0000-0000-0000-000000000002") == []  # Pending
    no_delivery_date = ledger(built, "supplier_order:f1000000-0000-0000-0000-000000000003")  # " delivered "
    assert no_delivery_date[0]["transaction_date"].isoformat().startswith("2024-04-01")  # falls back to order_date


def test_delivered_customer_orders_become_transfers(built):
    transfer = ledger(built, "customer_order:f3000000-0000-0000-0000-000000000001")[0]
    assert (transfer["type"], transfer["from_warehouse_id"], transfer["to_warehouse_id"]) == (
        "transfer",
        warehouse(built, ORASEAS, "Main Warehouse"),
        warehouse(built, AUTOBOSS, "Main Store"),
    )
    assert transfer["performed_by_user_id"] == "b0000000-0000-0000-0000-000000000006"  # ordered_by
    to_main = ledger(built, "customer_order:f3000000-0000-0000-0000-000000000002")[0]
    assert to_main["from_warehouse_id"] == warehouse(built, ORASEAS, "Athens Depot")
    assert to_main["to_warehouse_id"] == warehouse(built, HARBOR, "Main Warehouse")  # Harbor holds no grease
    assert ledger(built, "customer_order:f3000000-0000-0000-0000-000000000003") == []  # Cancelled


def test_opening_balances_make_the_ledger_equal_legacy_stock(built):
    balances = {
        (r["warehouse"], r["part"]): r["quantity"]
        for r in query(
            built,
            "select to_warehouse_id::text as warehouse, part_id::text as part, quantity"
            " from public_next.transactions where reference_number = 'opening-balance'",
        )
    }
    main = warehouse(built, ORASEAS, "Main Warehouse")
    assert str(balances[(main, part(1))]) == "84.000"  # 100 = opening 84 + creation 20 - transfer 4
    assert str(balances[(main, part(6))]) == "-10.000"  # 0 = opening -10 + creation 10
    assert str(balances[(warehouse(built, AUTOBOSS, "Main Store"), part(1))]) == "10.000"  # 10 = 10 + 4 - 2 - 2
    assert (warehouse(built, HARBOR, "YARD"), part(6)) not in balances  # 0 stock, no movement: omitted
    first_movement = scalar(
        built, "select min(transaction_date) from public_next.transactions where reference_number <> 'opening-balance'"
    )
    opening_dates = {
        r["d"]
        for r in query(
            built,
            "select distinct transaction_date as d from public_next.transactions"
            " where reference_number = 'opening-balance'",
        )
    }
    assert len(opening_dates) == 1 and opening_dates.pop() < first_movement


def test_performed_by_falls_back_to_an_active_admin_then_the_oraseas_super_admin(built):
    # no recorded user at Autoboss: its earliest *active* admin (the older one is inactive)
    assert (
        ledger(built, "part_usage:f5000000-0000-0000-0000-000000000002")[0]["performed_by_user_id"]
        == "b0000000-0000-0000-0000-000000000005"
    )
    # Harbor Farms has no admin: the earliest super admin of Oraseas EE
    assert (
        ledger(built, "part_usage:f5000000-0000-0000-0000-000000000003")[0]["performed_by_user_id"]
        == "b0000000-0000-0000-0000-000000000001"
    )
    # transfer without ordering user: the selling organisation's admin
    assert (
        ledger(built, "customer_order:f3000000-0000-0000-0000-000000000002")[0]["performed_by_user_id"]
        == "b0000000-0000-0000-0000-000000000001"
    )


def test_every_rule_leaves_nothing_unaccounted(built):
    rows = query(built, "select * from public_stage.reconciliation_row_counts")
    assert rows and all(r["unaccounted"] == 0 and r["quarantined"] == 0 for r in rows)
    assert scalar(built, "select count(*) from public_stage.reconciliation_ledger where difference <> 0") == 0
