"""Carry post-cutover writes back to the legacy schema (rollback --force).

Input: the audit's change log of the target tables since the cutover.
Everything is first exported, whole, to backups/post_cutover_<run_id>.jsonl;
then what has a legacy equivalent is written into the archived legacy tables
by the statements in harness/sql/carry_back/:
  organisations, users, parts, machines, orders and order items (inserted or
  changed rows, current values, legacy strings kept where the meaning did not
  change); stock levels per organisation and part (the sum over its
  warehouses); part usage and stock adjustments the application wrote
  (their own rows); consumption and adjustment transactions as legacy part
  usage and stock adjustments. Every other write is listed as not carried,
  with the reason — warehouses, creation/transfer ledger rows, deletions,
  fractional quantities, rows whose parent has no legacy row, tables the
  legacy schema does not have — and stays in the export and in the
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

from harness.common import paths, sqlfiles
from harness.db import audit
from harness.db import connection as db
from harness.reporting import reports
from harness.reporting.reports import Result

# target tables whose rows come back as rows of the legacy table of the same name
# (in this order: parents first); each statement returns the ids it wrote
ROW_TABLES = (
    "organizations",
    "users",
    "parts",
    "machines",
    "supplier_orders",
    "customer_orders",
    "supplier_order_items",
    "customer_order_items",
)
# ... and after the stock levels (a stock adjustment needs its legacy inventory row)
ROW_TABLES_AFTER_STOCK = ("part_usage", "stock_adjustments")
# transaction type -> (legacy table, statement)
LEDGER_CARRY = {
    "consumption": ("part_usage", "consumption_to_part_usage"),
    "adjustment": ("stock_adjustments", "adjustment_to_stock_adjustments"),
}
# the quantity column of a row table, for the reason a row did not come back
QUANTITY = {
    "supplier_order_items": "quantity",
    "customer_order_items": "quantity",
    "part_usage": "quantity",
    "stock_adjustments": "quantity_adjusted",
}
NO_EQUIVALENT = {
    "warehouses": "warehouses have no legacy equivalent (their stock is carried per organisation)",
    "alembic_version": "not application data",
}


@dataclass
class CarryResult(Result):
    export_path: str
    changes: int = 0
    carried: dict[str, int] = field(default_factory=dict)  # legacy table -> rows written to it, every kind
    not_carried: list[dict] = field(default_factory=list)  # {table, row_id, op, reason}
    carried_ids: dict[str, set[str]] = field(default_factory=dict, repr=False)  # row table -> ids written

    def to_dict(self) -> dict:
        return reports.jsonable({k: v for k, v in self.__dict__.items() if k != "carried_ids"})

    def tables_written(self) -> set[str]:
        """The legacy tables this carry-back wrote rows into: the row tables, inventory (the stock
        levels) and the tables of the ledger's consumption and adjustment rows."""
        return {table for table, rows in self.carried.items() if rows}


def _statement(name: str, target_schema: str, legacy_schema: str) -> sql.Composed:
    return sql.SQL(sqlfiles.read(f"carry_back/{name}.sql")).format(
        target=sql.Identifier(target_schema), legacy=sql.Identifier(legacy_schema)
    )


def changed_rows(change_rows: list[dict]) -> list[dict]:
    """Per (table, row): its first and last operation and its row before the first."""
    rows: dict[tuple[str, str], dict] = {}
    for change in change_rows:
        if change["row_id"] is None:
            continue
        key = (change["table_name"], change["row_id"])
        if key not in rows:
            rows[key] = {
                "table_name": key[0],
                "row_id": key[1],
                "first_op": change["op"],
                "first_old": change["old_row"],
            }
        rows[key]["last_op"] = change["op"]
    return list(rows.values())


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


def _count(result: CarryResult, legacy_table: str, rows: int) -> None:
    """Add rows written to a legacy table: part_usage and stock_adjustments get their own rows
    and the ledger's, so each kind adds to the count, never replaces it."""
    result.carried[legacy_table] = result.carried.get(legacy_table, 0) + rows


def _carry_rows(cur, tables: tuple[str, ...], target_schema: str, legacy_schema: str, result: CarryResult) -> None:
    for table in tables:
        statement = _statement(table, target_schema, legacy_schema)

        def work(statement=statement, table=table):
            cur.execute(statement)
            result.carried_ids[table] = {r[0] for r in cur.fetchall()}
            _count(result, table, len(result.carried_ids[table]))

        error = _in_savepoint(cur, f"carry_{table}", work)
        if error:
            _count(result, table, 0)
            result.not_carried.append(
                {"table": table, "row_id": None, "op": "*", "reason": f"could not carry: {error}"}
            )


def _ids(change_rows: list[dict], table: str) -> list[str]:
    return sorted({c["row_id"] for c in change_rows if c["table_name"] == table and c["row_id"]})


def _carry_stock(cur, target_schema: str, legacy_schema: str, change_rows: list[dict], result: CarryResult) -> None:
    levels = db.fetch_all(
        cur,
        _statement("stock_levels", target_schema, legacy_schema),
        {"inventory_ids": _ids(change_rows, "inventory"), "transaction_ids": _ids(change_rows, "transactions")},
    )
    upsert = _statement("stock_level_upsert", target_schema, legacy_schema)
    carried = 0
    for level in levels:
        position = f"{level['organization_id']}/{level['part_id']}"
        if level["stock"] != int(level["stock"]):
            result.not_carried.append(
                {
                    "table": "inventory",
                    "row_id": position,
                    "op": "stock",
                    "reason": f"fractional stock {level['stock']} (legacy is integer)",
                }
            )
            continue

        def work(level=level):
            cur.execute(
                upsert,
                {
                    "inventory_id": level["inventory_id"],
                    "org": level["organization_id"],
                    "part": level["part_id"],
                    "location": level["location"],
                    "stock": int(level["stock"]),
                    "minimum": int(level["minimum_stock"]),
                    "last_updated": level["last_updated"],
                },
            )

        error = _in_savepoint(cur, "carry_stock", work)
        if error:
            result.not_carried.append(
                {"table": "inventory", "row_id": position, "op": "stock", "reason": f"could not carry: {error}"}
            )
        else:
            carried += 1
    _count(result, "inventory", carried)  # one legacy inventory row per stock level


def _carry_ledger(cur, target_schema: str, legacy_schema: str, change_rows: list[dict], result: CarryResult) -> None:
    inserted = [c for c in change_rows if c["table_name"] == "transactions" and c["op"] == "INSERT"]
    for kind, (legacy_table, statement_name) in LEDGER_CARRY.items():
        ids = [c["row_id"] for c in inserted if (c["new_row"] or {}).get("transaction_type") == kind]
        if not ids:
            _count(result, legacy_table, 0)
            continue
        statement = _statement(statement_name, target_schema, legacy_schema)

        def work(statement=statement, ids=ids, legacy_table=legacy_table):
            cur.execute(statement, {"ids": ids})
            _count(result, legacy_table, cur.rowcount)

        error = _in_savepoint(cur, f"carry_{legacy_table}", work)
        if error:
            _count(result, legacy_table, 0)
            result.not_carried.append(
                {"table": "transactions", "row_id": None, "op": kind, "reason": f"could not carry: {error}"}
            )
        cur.execute(
            sql.SQL("select id::text from {} where id = any(%s::uuid[])").format(
                sql.Identifier(legacy_schema, legacy_table)
            ),
            (ids,),
        )
        present = {r[0] for r in cur.fetchall()}
        for missing in sorted(set(ids) - present):
            result.not_carried.append(
                {
                    "table": "transactions",
                    "row_id": missing,
                    "op": "INSERT",
                    "reason": f"{kind} without a legacy equivalent row (fractional quantity, "
                    "or its warehouse/inventory/user has no legacy counterpart)",
                }
            )


def _why_not(change: dict, target_schema: str) -> str:
    """The true reason a row of a row table did not come back."""
    row = change["new_row"] or {}
    column = QUANTITY.get(change["table_name"])
    if column and row.get(column) is not None and float(row[column]) != int(float(row[column])):
        return f"fractional quantity {row[column]} (legacy quantities are integers)"
    return (
        "a row it refers to (organisation, part, order, inventory or user) has no legacy row; "
        f"it stays in {target_schema}"
    )


def _not_carried_by_kind(change_rows: list[dict], result: CarryResult, target_schema: str) -> None:
    """Every write that did not come back, with its true reason (one entry per row and reason)."""
    listed = {(n["table"], n["row_id"]) for n in result.not_carried}
    last = {(c["table_name"], c["row_id"]): c for c in change_rows}
    for change in change_rows:
        table, row_id, op = change["table_name"], change["row_id"], change["op"]
        if (table, row_id) in listed:
            continue
        if op in ("DELETE", "TRUNCATE"):
            reason = "deletions are not carried back (the row stays in the legacy schema)"
        elif table in ROW_TABLES + ROW_TABLES_AFTER_STOCK:
            if row_id in result.carried_ids.get(table, set()) or last[(table, row_id)]["op"] == "DELETE":
                continue
            reason = _why_not(last[(table, row_id)], target_schema)
        elif table == "inventory":
            continue  # carried as stock levels per organisation and part; a level that could not be is listed
        elif table == "transactions":
            kind = (change["new_row"] or {}).get("transaction_type")
            if op == "INSERT" and kind in LEDGER_CARRY:
                continue  # checked row by row in _carry_ledger
            reason = (
                ("ledger rows are history without a legacy table; their effect on stock is carried as stock levels")
                if op == "INSERT"
                else "changes to ledger rows are not carried (their effect on stock is, as stock levels)"
            )
        else:
            reason = NO_EQUIVALENT.get(
                table, f"the legacy schema has no {table} table; the row stays in {target_schema} and in the export"
            )
        result.not_carried.append({"table": table, "row_id": row_id, "op": op, "reason": reason})
        listed.add((table, row_id))


def carry_back(cur, live: str, run_id: str, target_schema: str, legacy_schema: str) -> CarryResult:
    """Export every post-cutover change and carry what has a legacy equivalent into legacy_schema."""
    change_rows = audit.changes(cur, live, run_id, side="target")
    result = CarryResult(
        export_path=str(paths.backups_dir() / f"post_cutover_{run_id}.jsonl"), changes=len(change_rows)
    )
    cur.execute(sqlfiles.read("carry_back/changes.sql"), {"changed": json.dumps(changed_rows(change_rows))})
    _carry_rows(cur, ROW_TABLES, target_schema, legacy_schema, result)
    _carry_stock(cur, target_schema, legacy_schema, change_rows, result)
    _carry_rows(cur, ROW_TABLES_AFTER_STOCK, target_schema, legacy_schema, result)
    _carry_ledger(cur, target_schema, legacy_schema, change_rows, result)
    _not_carried_by_kind(change_rows, result, target_schema)
    not_carried_ids = {(n["table"], n["row_id"]) for n in result.not_carried}
    export(
        [dict(c, carried=(c["table_name"], c["row_id"]) not in not_carried_ids) for c in change_rows]
        + [{"not_carried": n} for n in result.not_carried],
        Path(result.export_path),
    )
    return result
