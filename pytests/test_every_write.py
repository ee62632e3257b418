"""Change capture and catch-up in every kind of write the application can make: an insert, an
update, a delete, a TRUNCATE, an update that changes a row's key, a transaction open while the
stage's snapshot is taken and committed after it, and a transaction that rolls back.

On the legacy side, between the stage and the cutover: the drift guard refuses the cutover
naming every table written (a rolled-back transaction wrote nothing), sees the transaction
the snapshot did not hold, and after the catch-up (restage, rebuild, cut over) every write is
in the new live schema, by id. On the target side, after the cutover: a forced rollback carries
each write back or lists it as not carried, by id and with its reason; none is lost (each is in
the export), and a rolled-back transaction is nowhere. One built sample, one rebuild.

Among the legacy writes, two implausible dates (a usage dated 1900, an inventory row created
in 1900): the rebuild migrates them, and its opening balances stay dated before the first
plausible date (models/intermediate/int_transactions__opening_balances.sql)."""

from __future__ import annotations

import json

import psycopg2
import pytest
from helpers import query, scalar

from harness.common.schemas import Schemas
from harness.db import audit
from harness.db import connection as db
from harness.db.swap import SwapRefused
from harness.flows import cutover, migrate, rollback, stage

PUBLIC = Schemas("public")
NEW_PART = "e0000000-0000-0000-0000-000000000001"  # inserted on the legacy side
NEVER_PART = "e0000000-0000-0000-0000-000000000002"  # inserted by a transaction that rolls back
RENUMBERED_ITEM = "e0000000-0000-0000-0000-000000000003"  # a legacy order item's new key
TARGET_PART = "e0000000-0000-0000-0000-000000000004"  # inserted into the target after the cutover
TARGET_NEVER = "e0000000-0000-0000-0000-000000000005"  # inserted into the target, rolled back
TARGET_RENUMBERED = "e0000000-0000-0000-0000-000000000006"  # a target order item's new key
LONG_AGO = "e0000000-0000-0000-0000-000000000007"  # a legacy usage dated 1900


def execute(target, *statements, params=None) -> None:
    with db.connect(target) as conn, conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement, params)
        conn.commit()


def rolled_back(target, statement: str, params) -> None:
    """A transaction of the application that writes, then rolls back."""
    with db.connect(target) as conn, conn.cursor() as cur:
        cur.execute(statement, params)
        conn.rollback()


def ids(target, table: str, wanted: list[str]) -> set[str]:
    rows = query(target, f"select id::text as id from public.{table} where id::text = any(%s)", (wanted,))
    return {r["id"] for r in rows}


def first_ids(target, table: str, count: int, schema: str = "public") -> list[str]:
    return [r["id"] for r in query(target, f"select id::text as id from {schema}.{table} order by id limit {count}")]


@pytest.mark.timeout(400)  # a rebuild, two cutovers and a rollback
def test_every_kind_of_write_is_caught_up_by_id_and_carried_back_or_listed(built_minimal):
    target = built_minimal
    part, organisation = first_ids(target, "parts", 1)[0], first_ids(target, "organizations", 1)[0]
    supplier_item, order_item = (
        first_ids(target, "supplier_order_items", 1)[0],
        first_ids(target, "customer_order_items", 1)[0],
    )
    truncated = first_ids(target, "part_usage", 1000)
    assert truncated, "the sample has part usage to truncate"
    usage = query(
        target,
        "select customer_organization_id::text as org, part_id::text as part from public.part_usage where id = %s",
        (truncated[0],),
    )[0]
    inventory = first_ids(target, "inventory", 1)[0]

    # ---- the legacy side, after the stage the build was made from: every kind of write
    execute(
        target,
        "insert into public.parts (id, part_number, name) values (%(new)s, 'EW-NEW', 'Every Write New')",
        "update public.parts set name = 'Every Write Renamed' where id = %(part)s",
        "delete from public.supplier_order_items where id = %(supplier_item)s",
        "truncate public.part_usage",
        "update public.customer_order_items set id = %(renumbered)s where id = %(order_item)s",
        # implausible dates: a usage and an inventory row of 1900
        "insert into public.part_usage (id, customer_organization_id, part_id, usage_date, quantity_used)"
        " values (%(long_ago)s, %(org)s, %(usage_part)s, '1900-01-01', 1)",
        "update public.inventory set created_at = '1900-01-01' where id = %(inventory)s",
        params={
            "new": NEW_PART,
            "part": part,
            "supplier_item": supplier_item,
            "renumbered": RENUMBERED_ITEM,
            "order_item": order_item,
            "long_ago": LONG_AGO,
            "org": usage["org"],
            "usage_part": usage["part"],
            "inventory": inventory,
        },
    )
    rolled_back(
        target, "insert into public.parts (id, part_number, name) values (%s, 'EW-NEVER', 'Never')", (NEVER_PART,)
    )
    with pytest.raises(SwapRefused) as refused:
        cutover.cutover(target, PUBLIC)
    assert refused.value.reason == "drift"
    # a key change is the old key's delete and the new key's insert; the rolled-back insert is nowhere
    assert refused.value.writes == {
        "customer_order_items": 2,
        "inventory": 1,
        "part_usage": 2,
        "parts": 2,
        "supplier_order_items": 1,
    }
    logged = query(
        target,
        "select table_name, op, row_id from migration_audit.change_log where side = 'legacy' order by id",
    )
    assert [(c["table_name"], c["op"], c["row_id"]) for c in logged] == [
        ("parts", "INSERT", NEW_PART),
        ("parts", "UPDATE", part),
        ("supplier_order_items", "DELETE", supplier_item),
        ("part_usage", "TRUNCATE", None),
        ("customer_order_items", "DELETE", order_item),
        ("customer_order_items", "INSERT", RENUMBERED_ITEM),
        ("part_usage", "INSERT", LONG_AGO),
        ("inventory", "UPDATE", inventory),
    ]

    # ---- a transaction open while a new stage takes its snapshot, committed after it
    application = psycopg2.connect(target.dsn, application_name="the application")
    try:
        with application.cursor() as cur:
            cur.execute("update public.organizations set address = 'Every Write Street' where id = %s", (organisation,))
        staged = stage.stage(target, PUBLIC)
        application.commit()
    finally:
        application.close()
    with db.connect(target) as conn, conn.cursor() as cur:
        snapshot = audit.run(cur, "public", staged.run_id)["snapshot"]
        assert audit.writes_since(cur, "public", "legacy", staged.run_id, snapshot) == {"organizations": 1}

    # ---- the catch-up: restaged and rebuilt, cut over; every write is in the new live schema
    done = migrate.migrate(target, PUBLIC, confirm=lambda plan: True, catch_up=True)
    assert done.stopped_after == "done", done.to_dict()
    assert ids(target, "parts", [NEW_PART, NEVER_PART]) == {NEW_PART}
    assert scalar(target, "select name from public.parts where id = %s", (part,)) == "Every Write Renamed"
    assert ids(target, "supplier_order_items", [supplier_item]) == set()
    assert ids(target, "part_usage", truncated) == set()
    assert ids(target, "customer_order_items", [order_item, RENUMBERED_ITEM]) == {RENUMBERED_ITEM}
    address = scalar(target, "select address from public.organizations where id = %s", (organisation,))
    assert address == "Every Write Street"
    assert ids(target, "part_usage", [LONG_AGO]) == {LONG_AGO}  # migrated as it is
    # the opening balances are dated before every movement of a plausible date, and never from 1900
    dates = query(
        target,
        "select min(transaction_date) filter (where reference_number = 'opening-balance') as opening,"
        " min(transaction_date) filter (where reference_number <> 'opening-balance'"
        " and transaction_date >= '2000-01-01') as first_movement from public.transactions",
    )[0]
    assert dates["opening"].year >= 2000 and dates["opening"] < dates["first_movement"], dates

    # ---- the target side, after the cutover: every kind of write, then a forced rollback
    kept_item, target_item = first_ids(target, "customer_order_items", 2)
    target_supplier_item = first_ids(target, "supplier_order_items", 1)[0]
    execute(
        target,
        "insert into public.parts (id, part_number, name) values (%(new)s, 'EW-TARGET', 'Every Write Target')",
        "update public.parts set name = 'Renamed In The Target' where id = %(part)s",
        "delete from public.supplier_order_items where id = %(supplier_item)s",
        "truncate public.stock_adjustments",
        "update public.customer_order_items set id = %(renumbered)s where id = %(item)s",
        params={
            "new": TARGET_PART,
            "part": part,
            "supplier_item": target_supplier_item,
            "renumbered": TARGET_RENUMBERED,
            "item": target_item,
        },
    )
    rolled_back(
        target, "insert into public.parts (id, part_number, name) values (%s, 'EW-TNEVER', 'Never')", (TARGET_NEVER,)
    )
    undone = rollback.rollback(target, PUBLIC, force=True)
    assert undone.writes_after_cutover == {
        "customer_order_items": 2,
        "parts": 2,
        "stock_adjustments": 1,
        "supplier_order_items": 1,
    }
    # carried back, by id
    assert ids(target, "parts", [TARGET_PART, TARGET_NEVER]) == {TARGET_PART}
    assert scalar(target, "select name from public.parts where id = %s", (part,)) == "Renamed In The Target"
    assert ids(target, "customer_order_items", [target_item, TARGET_RENUMBERED, kept_item]) == {
        target_item,
        TARGET_RENUMBERED,
        kept_item,
    }
    # listed as not carried, by id, with the reason; the legacy rows stay
    not_carried = {(n["table"], n["row_id"], n["op"]): n["reason"] for n in undone.carried.not_carried}
    deletion = "deletions are not carried back (the row stays in the legacy schema)"
    assert not_carried[("supplier_order_items", target_supplier_item, "DELETE")] == deletion
    assert not_carried[("customer_order_items", target_item, "DELETE")] == deletion
    assert not_carried[("stock_adjustments", None, "TRUNCATE")] == deletion
    assert ids(target, "supplier_order_items", [target_supplier_item]) == {target_supplier_item}
    # nothing lost: every logged write is in the export; the rolled-back one is nowhere
    exported = [json.loads(line) for line in open(undone.carried.export_path)]
    written = {(e["table_name"], e["row_id"], e["op"]) for e in exported if "table_name" in e}
    assert written == {
        ("parts", TARGET_PART, "INSERT"),
        ("parts", part, "UPDATE"),
        ("supplier_order_items", target_supplier_item, "DELETE"),
        ("stock_adjustments", None, "TRUNCATE"),
        ("customer_order_items", target_item, "DELETE"),
        ("customer_order_items", TARGET_RENUMBERED, "INSERT"),
    }
    assert TARGET_NEVER not in {row_id for _, row_id, _ in not_carried}
