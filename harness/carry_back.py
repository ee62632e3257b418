"""Carry post-cutover writes back to the legacy schema (rollback --force).

Input: the change log of the target tables since the cutover. Everything is
first exported, whole, to backups/post_cutover_<run_id>.jsonl; then what has
a legacy equivalent is written into the archived legacy tables:
  organisations, users, parts, machines, orders and order items (inserted or
  changed rows, current values, legacy strings kept where the meaning did not
  change); stock levels per organisation and part (the sum over its
  warehouses); consumption and adjustment transactions as legacy part usage
  and stock adjustments. Everything else (warehouses, creation/transfer
  ledger rows, deletions, fractional quantities, rows whose parent is
  missing) is listed as not carried — it stays in the export and in the
  rolled-back target schema, so nothing is lost either way.
Each kind is carried inside its own savepoint: one that cannot be carried is
listed with the reason and does not stop the others.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
from psycopg2 import sql

from . import db, paths


@dataclass
class CarryResult:
    export_path: str
    changes: int = 0
    carried: dict[str, int] = field(default_factory=dict)  # kind -> rows written to legacy
    not_carried: list[dict] = field(default_factory=list)  # {table, row_id, op, reason}


ORG_TYPE_BACK = "case {t} when 'oraseas_ee' then 'Warehouse' when 'customer' then 'Customer' " \
                "when 'supplier' then 'Supplier' when 'bossaqua' then 'Bossaqua' end"


def _changed(table: str) -> str:
    """Per row of a target table: its first and last logged change (placeholders: live, run)."""
    return f"""
        select row_id,
            (array_agg(op order by id))[1] as first_op,
            (array_agg(old_row order by id))[1] as first_old,
            (array_agg(op order by id desc))[1] as last_op
        from migration_audit.change_log
        where live_schema = %(live)s and side = 'target' and run_id = %(run)s and table_name = '{table}'
        group by row_id"""


# table -> (insert column list, select expressions from target row t / legacy row l / change c, update columns)
ENTITY_CARRY = {
    "organizations": (
        "id, name, type, address, contact_info, created_at, updated_at",
        "t.id, t.name, case when c.first_op <> 'INSERT' and l.type is not null"
        " and c.first_old ->> 'organization_type' = t.organization_type::text then l.type else "
        + ORG_TYPE_BACK.format(t="t.organization_type::text") + " end, t.address, t.contact_info, t.created_at, t.updated_at",
        ["name", "type", "address", "contact_info", "updated_at"],
    ),
    "users": (
        "id, organization_id, username, password_hash, email, name, role, created_at, updated_at",
        "t.id, t.organization_id, t.username, t.password_hash, t.email, t.name,"
        " case when c.first_op <> 'INSERT' and l.role is not null and c.first_old ->> 'role' = t.role::text"
        " and c.first_old ->> 'organization_id' = t.organization_id::text then l.role"
        " when t.role::text = 'super_admin' then 'Oraseas Admin'"
        " when t.role::text = 'admin' and o.organization_type::text = 'oraseas_ee' then 'Oraseas Inventory Manager'"
        " when t.role::text = 'admin' then 'Customer Admin'"
        " when o.organization_type::text = 'supplier' then 'Supplier User' else 'Customer User' end,"
        " t.created_at, t.updated_at",
        ["organization_id", "username", "password_hash", "email", "name", "role", "updated_at"],
    ),
    "parts": (
        "id, part_number, name, description, is_proprietary, is_consumable, manufacturer_delivery_time_days,"
        " local_supplier_delivery_time_days, image_urls, created_at, updated_at",
        "t.id, t.part_number, t.name, t.description, t.is_proprietary,"
        " coalesce(l.is_consumable, t.part_type::text = 'consumable'), t.manufacturer_delivery_time_days,"
        " t.local_supplier_delivery_time_days, t.image_urls, t.created_at, t.updated_at",
        ["part_number", "name", "description", "is_proprietary", "manufacturer_delivery_time_days",
         "local_supplier_delivery_time_days", "image_urls", "updated_at"],
    ),
    "machines": (
        "id, organization_id, model_type, name, serial_number, created_at, updated_at",
        "t.id, t.customer_organization_id, t.model_type, t.name, t.serial_number, t.created_at, t.updated_at",
        ["organization_id", "model_type", "name", "serial_number", "updated_at"],
    ),
    "supplier_orders": (
        "id, ordering_organization_id, supplier_name, order_date, expected_delivery_date, actual_delivery_date,"
        " status, notes, created_at, updated_at",
        "t.id, t.ordering_organization_id, t.supplier_name, t.order_date, t.expected_delivery_date,"
        " t.actual_delivery_date, t.status, t.notes, t.created_at, t.updated_at",
        ["ordering_organization_id", "supplier_name", "order_date", "expected_delivery_date", "actual_delivery_date",
         "status", "notes", "updated_at"],
    ),
    "customer_orders": (
        "id, customer_organization_id, oraseas_organization_id, order_date, expected_delivery_date,"
        " actual_delivery_date, status, ordered_by_user_id, notes, created_at, updated_at",
        "t.id, t.customer_organization_id, t.oraseas_organization_id, t.order_date, t.expected_delivery_date,"
        " t.actual_delivery_date, t.status, t.ordered_by_user_id, t.notes, t.created_at, t.updated_at",
        ["customer_organization_id", "oraseas_organization_id", "order_date", "expected_delivery_date",
         "actual_delivery_date", "status", "ordered_by_user_id", "notes", "updated_at"],
    ),
    "supplier_order_items": (
        "id, supplier_order_id, part_id, quantity, unit_price, created_at, updated_at",
        "t.id, t.supplier_order_id, t.part_id, t.quantity::integer, t.unit_price, t.created_at, t.updated_at",
        ["supplier_order_id", "part_id", "quantity", "unit_price", "updated_at"],
    ),
    "customer_order_items": (
        "id, customer_order_id, part_id, quantity, unit_price, created_at, updated_at",
        "t.id, t.customer_order_id, t.part_id, t.quantity::integer, t.unit_price, t.created_at, t.updated_at",
        ["customer_order_id", "part_id", "quantity", "unit_price", "updated_at"],
    ),
}
INTEGER_QUANTITY = {"supplier_order_items": "t.quantity", "customer_order_items": "t.quantity"}


def changes(cur, live: str, run_id: str) -> list[dict]:
    return db.fetch_all(
        cur,
        "select id, table_name, op, row_id::text, changed_at, old_row, new_row from migration_audit.change_log"
        " where live_schema = %s and side = 'target' and run_id = %s order by id",
        (live, run_id),
    )


def export(rows: list[dict], path: Path) -> None:
    paths.ensure_private_dir(path.parent)
    old_umask = os.umask(0o077)
    try:
        with path.open("w") as out:
            for row in rows:
                out.write(json.dumps(row, default=str, sort_keys=True) + "\n")
    finally:
        os.umask(old_umask)
    os.chmod(path, 0o600)


def _in_savepoint(cur, name: str, work) -> str | None:
    cur.execute(sql.SQL("savepoint {}").format(sql.Identifier(name)))
    try:
        work()
    except psycopg2.Error as exc:
        cur.execute(sql.SQL("rollback to savepoint {}").format(sql.Identifier(name)))
        return (exc.diag.message_primary or str(exc)).strip()
    cur.execute(sql.SQL("release savepoint {}").format(sql.Identifier(name)))
    return None


def _carry_entities(cur, target_schema: str, legacy_schema: str, params: dict, result: CarryResult) -> None:
    t_schema, l_schema = sql.Identifier(target_schema), sql.Identifier(legacy_schema)
    for table, (columns, expressions, updates) in ENTITY_CARRY.items():
        where = "c.last_op <> 'DELETE' and t.id is not null"
        if table in INTEGER_QUANTITY:
            where += f" and {INTEGER_QUANTITY[table]} = trunc({INTEGER_QUANTITY[table]})"
        join_org = (
            sql.SQL("left join {}.organizations as o on o.id = t.organization_id").format(t_schema)
            if table == "users" else sql.SQL("")
        )
        statement = sql.SQL(
            "with c as ({changed}) insert into {l}.{table} as dest ({columns}) "
            "select {expressions} from c join {t}.{table} as t on t.id = c.row_id "
            "left join {l}.{table} as l on l.id = c.row_id {join_org} where {where} "
            "on conflict (id) do update set {updates}"
        ).format(
            changed=sql.SQL(_changed(table)), l=l_schema, t=t_schema, table=sql.Identifier(table),
            columns=sql.SQL(columns), expressions=sql.SQL(expressions), join_org=join_org, where=sql.SQL(where),
            updates=sql.SQL(", ").join(sql.SQL("{0} = excluded.{0}").format(sql.Identifier(u)) for u in updates),
        )

        def work(statement=statement):
            cur.execute(statement, params)
            result.carried[table] = cur.rowcount

        error = _in_savepoint(cur, f"carry_{table}", work)
        if error:
            result.carried[table] = 0
            result.not_carried.append({"table": table, "row_id": None, "op": "*", "reason": f"could not carry: {error}"})


STOCK_SQL = """
with touched as (
    select w.organization_id, i.part_id
    from migration_audit.change_log as cl
    join {t}.inventory as i on i.id = cl.row_id
    join {t}.warehouses as w on w.id = i.warehouse_id
    where cl.live_schema = %(live)s and cl.side = 'target' and cl.run_id = %(run)s and cl.table_name = 'inventory'
    union
    select w.organization_id, tr.part_id
    from migration_audit.change_log as cl
    join {t}.transactions as tr on tr.id = cl.row_id
    join {t}.warehouses as w on w.id in (tr.from_warehouse_id, tr.to_warehouse_id)
    where cl.live_schema = %(live)s and cl.side = 'target' and cl.run_id = %(run)s and cl.table_name = 'transactions'
),
levels as (
    select
        touched.organization_id,
        touched.part_id,
        coalesce(sum(i.current_stock), 0) as stock,
        coalesce(max(i.minimum_stock_recommendation), 0) as minimum_stock,
        (array_agg(w.name order by i.current_stock desc nulls last, w.name))[1] as location,
        (array_agg(i.id order by i.current_stock desc nulls last, i.id))[1] as inventory_id,
        max(i.last_updated) as last_updated
    from touched
    left join {t}.warehouses as w on w.organization_id = touched.organization_id
    left join {t}.inventory as i on i.warehouse_id = w.id and i.part_id = touched.part_id
    group by touched.organization_id, touched.part_id
)
select * from levels
"""


def _carry_stock(cur, target_schema: str, legacy_schema: str, params: dict, result: CarryResult) -> None:
    t_schema, l_schema = sql.Identifier(target_schema), sql.Identifier(legacy_schema)
    levels = db.fetch_all(cur, sql.SQL(STOCK_SQL).format(t=t_schema), params)
    carried = 0
    for level in levels:
        if level["stock"] != int(level["stock"]):
            result.not_carried.append({"table": "inventory", "row_id": f"{level['organization_id']}/{level['part_id']}",
                                       "op": "stock", "reason": f"fractional stock {level['stock']} (legacy is integer)"})
            continue

        def work(level=level):
            cur.execute(
                sql.SQL(
                    "insert into {l}.inventory as dest (id, organization_id, part_id, location, current_stock,"
                    " minimum_stock_recommendation, created_at, updated_at)"
                    " values (coalesce(%(inventory_id)s, md5('carried-stock:' || %(org)s || ':' || %(part)s)::uuid),"
                    " %(org)s, %(part)s, %(location)s, %(stock)s, %(minimum)s, now(), coalesce(%(last_updated)s, now()))"
                    " on conflict (organization_id, part_id) do update set current_stock = excluded.current_stock,"
                    " updated_at = excluded.updated_at"
                ).format(l=l_schema),
                {"inventory_id": level["inventory_id"], "org": level["organization_id"], "part": level["part_id"],
                 "location": level["location"], "stock": int(level["stock"]),
                 "minimum": int(level["minimum_stock"]), "last_updated": level["last_updated"]},
            )

        error = _in_savepoint(cur, "carry_stock", work)
        if error:
            result.not_carried.append({"table": "inventory", "row_id": f"{level['organization_id']}/{level['part_id']}",
                                       "op": "stock", "reason": f"could not carry: {error}"})
        else:
            carried += 1
    result.carried["stock_levels"] = carried


LEDGER_CARRY = {
    "consumption": (
        "part_usage",
        "insert into {l}.part_usage (id, customer_organization_id, part_id, usage_date, quantity_used, machine_id,"
        " recorded_by_user_id, notes, created_at, updated_at)"
        " select tr.id, w.organization_id, tr.part_id, tr.transaction_date, tr.quantity::integer,"
        " (select m.id from {l}.machines m where m.id = tr.machine_id),"
        " (select u.id from {l}.users u where u.id = tr.performed_by_user_id), tr.notes, tr.created_at, tr.created_at"
        " from {t}.transactions tr join {t}.warehouses w on w.id = tr.from_warehouse_id"
        " where tr.id = any(%(ids)s::uuid[]) and tr.quantity = trunc(tr.quantity)"
        " on conflict (id) do nothing",
    ),
    "adjustment": (
        "stock_adjustments",
        "insert into {l}.stock_adjustments (id, inventory_id, user_id, adjustment_date, quantity_adjusted, reason_code,"
        " notes, created_at, updated_at)"
        " select tr.id, li.id, tr.performed_by_user_id, tr.transaction_date, tr.quantity::integer, 'Other', tr.notes,"
        " tr.created_at, tr.created_at"
        " from {t}.transactions tr join {t}.warehouses w on w.id = tr.to_warehouse_id"
        " join {l}.inventory li on li.organization_id = w.organization_id and li.part_id = tr.part_id"
        " join {l}.users lu on lu.id = tr.performed_by_user_id"
        " where tr.id = any(%(ids)s::uuid[]) and tr.quantity = trunc(tr.quantity)"
        " on conflict (id) do nothing",
    ),
}


def _carry_ledger(cur, target_schema: str, legacy_schema: str, change_rows: list[dict], result: CarryResult) -> None:
    t_schema, l_schema = sql.Identifier(target_schema), sql.Identifier(legacy_schema)
    inserted = [c for c in change_rows if c["table_name"] == "transactions" and c["op"] == "INSERT"]
    for kind, (legacy_table, template) in LEDGER_CARRY.items():
        ids = [c["row_id"] for c in inserted if (c["new_row"] or {}).get("transaction_type") == kind]
        if not ids:
            result.carried[legacy_table] = 0
            continue
        statement = sql.SQL(template).format(l=l_schema, t=t_schema)

        def work(statement=statement, ids=ids):
            cur.execute(statement, {"ids": ids})
            result.carried[legacy_table] = cur.rowcount

        error = _in_savepoint(cur, f"carry_{legacy_table}", work)
        if error:
            result.carried[legacy_table] = 0
            result.not_carried.append({"table": "transactions", "row_id": None, "op": kind,
                                       "reason": f"could not carry: {error}"})
        cur.execute(
            sql.SQL("select id::text from {l}.{table} where id = any(%s::uuid[])").format(
                l=l_schema, table=sql.Identifier(legacy_table)),
            (ids,),
        )
        present = {r[0] for r in cur.fetchall()}
        for missing in sorted(set(ids) - present):
            result.not_carried.append({"table": "transactions", "row_id": missing, "op": "INSERT",
                                       "reason": f"{kind} without a legacy equivalent row (fractional quantity, "
                                                 "or its warehouse/inventory/user has no legacy counterpart)"})


NO_EQUIVALENT = {
    "warehouses": "warehouses have no legacy equivalent (their stock is carried per organisation)",
    "part_usage": "carried from the consumption transactions instead",
    "stock_adjustments": "carried from the adjustment transactions instead",
    "inventory": "carried as stock levels per organisation and part",
    "alembic_version": "not application data",
}


def carry_back(cur, live: str, run_id: str, target_schema: str, legacy_schema: str) -> CarryResult:
    """Export every post-cutover change and carry what has a legacy equivalent into legacy_schema."""
    change_rows = changes(cur, live, run_id)
    result = CarryResult(export_path=str(paths.backups_dir() / f"post_cutover_{run_id}.jsonl"), changes=len(change_rows))
    params = {"live": live, "run": run_id}
    _carry_entities(cur, target_schema, legacy_schema, params, result)
    _carry_stock(cur, target_schema, legacy_schema, params, result)
    _carry_ledger(cur, target_schema, legacy_schema, change_rows, result)
    for change in change_rows:
        table, op = change["table_name"], change["op"]
        if op == "DELETE" or op == "TRUNCATE":
            result.not_carried.append({"table": table, "row_id": change["row_id"], "op": op,
                                       "reason": "deletions are not carried back (the row stays in the legacy schema)"})
        elif table in NO_EQUIVALENT and table != "inventory":
            result.not_carried.append({"table": table, "row_id": change["row_id"], "op": op,
                                       "reason": NO_EQUIVALENT[table]})
        elif table == "transactions" and (change["new_row"] or {}).get("transaction_type") in ("creation", "transfer"):
            result.not_carried.append({"table": table, "row_id": change["row_id"], "op": op,
                                       "reason": "creation/transfer ledger rows: their effect is carried as stock levels"})
    not_carried_ids = {(n["table"], n["row_id"]) for n in result.not_carried}
    export(
        [dict(change, carried=(change["table_name"], change["row_id"]) not in not_carried_ids) for change in change_rows]
        + [{"not_carried": n} for n in result.not_carried],
        Path(result.export_path),
    )
    return result
