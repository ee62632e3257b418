"""Stage: a consistent copy of every legacy table into <live>_stage.

All tables are copied inside one REPEATABLE READ transaction, so they come
from one snapshot; the snapshot (pg_current_snapshot) and its time are
recorded with the row counts in the audit (audit.record_run). Optional parts of the
legacy schema that the database may lack (stock_adjustments, users.is_active:
both exist only where the application's create_all ran) are supplied empty or
defaulted in the stage, and that is recorded too.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg2.errors
import psycopg2.extensions
from psycopg2 import sql

from harness.common import paths, sqlfiles
from harness.common.errors import CheckFailed, UsageError
from harness.common.legacy import LEGACY_TABLES
from harness.common.schemas import Schemas
from harness.db import audit, privileges, surroundings
from harness.db import capture as capture_mod
from harness.db import connection as db
from harness.flows import state
from harness.flows.schema_lock import holds_schema
from harness.reporting.reports import Result

REQUIRED_TABLES = tuple(t for t in LEGACY_TABLES if t != "stock_adjustments")


@dataclass
class StageResult(Result):
    run_id: str
    snapshot_time: datetime
    row_counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    capture: bool = False
    stage_schema: str = ""
    # what surrounds the legacy tables at the snapshot, and what a cutover would do with each (surroundings.py)
    surroundings: list[dict] = field(default_factory=list)

    @classmethod
    def from_dict(cls, document: dict) -> StageResult:
        """A stage as a report holds it (to_dict())."""
        return cls(**(document | {"snapshot_time": datetime.fromisoformat(document["snapshot_time"])}))


def check_live_is_legacy(cur, schemas: Schemas) -> list[str]:
    """Refuse anything that is not a legacy ABParts schema; return its tables."""
    state.require_live_exists(cur, schemas)
    tables = db.tables_in(cur, schemas.live)
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if "warehouses" in tables and "transactions" in tables:
        raise CheckFailed(
            f"schema {schemas.live!r} already holds the target schema (it has warehouses and transactions); "
            "nothing to migrate — see `harness status`"
        )
    if missing:
        raise UsageError(f"schema {schemas.live!r} is not a legacy ABParts schema: missing tables {', '.join(missing)}")
    check_not_partitioned(cur, schemas)
    check_live_shape(cur, schemas, tables)
    return tables


def check_not_partitioned(cur, schemas: Schemas) -> None:
    """A partitioned legacy table (or one that is a partition) is refused, by every command that
    stages — the dry run as much as migrate — and by the cutover's preflight: the legacy
    application never makes one, and the migration is proven on plain tables only (the change
    capture, the drift guard, the snapshots, the swap and the carry-back's ON CONFLICT (id))."""
    cur.execute(
        "select c.relname, c.relkind = 'p', c.relispartition from pg_class c"
        " where c.relnamespace = %s::regnamespace and c.relname = any(%s) and (c.relkind = 'p' or"
        " c.relispartition) order by array_position(%s, c.relname::text)",
        (schemas.live, list(LEGACY_TABLES), list(LEGACY_TABLES)),
    )
    found = cur.fetchall()
    if found:
        table, partitioned, _ = found[0]
        what = "is partitioned" if partitioned else "is a partition of another table"
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise LegacyShapeError(
            f"legacy table {schemas.live}.{table} {what}{more}: abparts-migrate migrates plain legacy tables "
            "only; nothing was changed. Make it a plain table again (docs/runbook.md#partitioned-legacy-tables)"
        )


def _require_unique_ids(cur, schemas: Schemas, table: str) -> None:
    """Every legacy row has an id of its own (a live table without its primary key can hold two)."""
    cur.execute(
        sql.SQL(
            "select id::text, count(*) from {} group by id having count(*) > 1 or id is null order by 2 desc, 1 limit 3"
        ).format(sql.Identifier(schemas.stage, table))
    )
    duplicates = cur.fetchall()
    if duplicates:
        listed = ", ".join(f"{row_id or 'NULL'} ({count} rows)" for row_id, count in duplicates)
        raise CheckFailed(
            f"legacy table {schemas.live}.{table} holds rows without an id of their own: {listed}; "
            "every legacy row needs a unique id (its primary key is missing?): renumber or remove "
            "the extra rows; nothing was staged"
        )


class LegacyShapeError(UsageError):
    """The live tables are not the legacy schema the models read (exit 2, nothing changed)."""


def expected_columns() -> dict[tuple[str, str], tuple[str, bool]]:
    """(table, column) -> (type, optional): seeds/legacy_schema_columns.csv, the facts the models read."""
    with (paths.project_dir() / "seeds" / "legacy_schema_columns.csv").open(newline="") as facts:
        return {
            (r["table_name"], r["column_name"]): (r["data_type"], r["optional"] == "true")
            for r in csv.DictReader(facts)
        }


def check_live_shape(cur, schemas: Schemas, tables: list[str]) -> None:
    """Every column the models read is there with its type; extra columns are the finding
    legacy_columns_not_migrated (a data decision), not a refusal."""
    cur.execute(
        "select c.relname, a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a"
        " join pg_class c on c.oid = a.attrelid where c.relnamespace = %s::regnamespace"
        " and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped",
        (schemas.live,),
    )
    actual = {(table, column): data_type for table, column, data_type in cur.fetchall()}
    problems = []
    for (table, column), (data_type, optional) in sorted(expected_columns().items()):
        if table not in tables:
            continue  # a missing table is refused above, or optional (stock_adjustments)
        found = actual.get((table, column))
        if found is None and not optional:
            problems.append(
                f"legacy column {schemas.live}.{table}.{column} is missing (the models read it as {data_type})"
            )
        elif found is not None and found != data_type:
            problems.append(f"legacy column {schemas.live}.{table}.{column} is {found}, the models read {data_type}")
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise LegacyShapeError(
            f"{problems[0]}{more}; nothing was staged. Give the column back its legacy "
            "definition, or adapt the staging model and seeds/legacy_schema_columns.csv"
        )


def _columns(cur, schema: str, table: str) -> set[str]:
    cur.execute(
        "select attname from pg_attribute where attrelid = %s::regclass and attnum > 0 and not attisdropped",
        (f'"{schema}"."{table}"',),
    )
    return {r[0] for r in cur.fetchall()}


def _copy(conn, cur, schemas: Schemas, table: str) -> None:
    """One legacy table into the stage; a row-level security refusal becomes the preflight's line."""
    try:
        cur.execute(
            sql.SQL("create table {}.{} as select * from {}.{}").format(
                sql.Identifier(schemas.stage),
                sql.Identifier(table),
                sql.Identifier(schemas.live),
                sql.Identifier(table),
            )
        )
    except psycopg2.errors.InsufficientPrivilege as refused:
        if "row-level security" not in str(refused):
            raise
        conn.rollback()
        role = privileges.current_role(cur)
        for found in privileges.row_security(cur, schemas):
            if found["table_name"] == table:
                raise privileges.PrivilegeMissing(
                    f"{privileges.hidden_rows(role, schemas.live, found)}; nothing was staged"
                ) from None
        raise


@holds_schema("stage")
def stage(
    target: db.Target,
    schemas: Schemas,
    *,
    run_id: str | None = None,
    capture: bool = True,
    lock_timeout_ms: int = 500,
    retries: int = 5,
) -> StageResult:
    """Copy the live legacy tables; with `capture`, first point change capture at the new run.

    The first stage with capture installs the triggers, one table at a time
    (waiting for that table's writers in flight, lock_timeout_ms at most per
    attempt), before the snapshot is taken, so every write the snapshot does
    not contain is logged. Every later stage only points them at its run: no
    DDL on a live table (capture.py).
    """
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    run_id = run_id or audit.new_run_id()
    with db.connect(target) as conn:
        with conn.cursor() as cur:
            check_live_is_legacy(cur, schemas)
            privileges.require(cur, schemas, "build" if capture else "stage")
            secured = privileges.row_security(cur, schemas)  # what the preflight let through, said
            audit.ensure(cur)
        conn.commit()
        if capture:
            capture_mod.install_on_live(conn, schemas.live, run_id, lock_timeout_ms=lock_timeout_ms, retries=retries)
        conn.set_session(isolation_level=psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ)
        with conn.cursor() as cur:
            # the first query of the transaction fixes the snapshot every copy reads
            cur.execute("select now(), pg_current_snapshot()::text")
            snapshot_time, snapshot = cur.fetchone()
            # never through a policy: a table whose rows row-level security would filter fails the copy
            # (the preflight refuses it first, privileges.row_security(); this holds if a policy came since)
            cur.execute("set local row_security = off")
            tables = check_live_is_legacy(cur, schemas)
            result = StageResult(
                run_id=run_id,
                snapshot_time=snapshot_time,
                capture=capture,
                stage_schema=schemas.stage,
                surroundings=surroundings.read(cur, schemas.live).to_dict(),
            )
            result.notes += [privileges.read_through(schemas.live, table) for table in secured]
            db.drop_schema(cur, schemas.stage)
            cur.execute(sql.SQL("create schema {}").format(sql.Identifier(schemas.stage)))
            stage_id = sql.Identifier(schemas.stage)
            for table in LEGACY_TABLES:
                table_id = sql.Identifier(table)
                if table in tables:
                    _copy(conn, cur, schemas, table)
                    _require_unique_ids(cur, schemas, table)
                    cur.execute(sql.SQL("alter table {}.{} add primary key (id)").format(stage_id, table_id))
                else:
                    cur.execute(sql.SQL("set local search_path to {}").format(stage_id))
                    cur.execute(sqlfiles.read("stock_adjustments.sql"))
                    result.notes.append(
                        "stock_adjustments is missing from the live schema (created by the application's "
                        "create_all only): staged as an empty table"
                    )
                result.row_counts[table] = db.count_rows(cur, schemas.stage, table)
            if capture:
                for table in capture_mod.keyless(cur, schemas.live, capture_mod.legacy_tables(cur, schemas.live)):
                    result.notes.append(
                        f"legacy table {schemas.live}.{table} has no primary key: change capture "
                        "logs its writes without a row id (the drift guard counts them all the same)"
                    )
            if "is_active" not in _columns(cur, schemas.live, "users"):
                cur.execute(
                    sql.SQL("alter table {}.users add column is_active boolean not null default true").format(stage_id)
                )
                result.notes.append("users.is_active is missing (init-script database): staged as true for every user")
            cur.execute(
                sql.SQL("comment on schema {} is %s").format(stage_id),
                (f"abparts-migrate stage of {schemas.live}, run {run_id}, snapshot {snapshot_time.isoformat()}",),
            )
            audit.record_run(
                cur,
                schemas.live,
                run_id,
                snapshot_time=snapshot_time,
                snapshot=snapshot,
                row_counts=result.row_counts,
                notes=result.notes,
                capture=capture,
            )
            audit.record_step(
                cur,
                schemas.live,
                run_id,
                "stage",
                started_at,
                "ok",
                row_counts=result.row_counts,
                details={"notes": result.notes, "capture": capture},
            )
        conn.commit()
    with db.connect(target, autocommit=True) as conn, conn.cursor() as cur:
        for table in LEGACY_TABLES:
            cur.execute(sql.SQL("analyze {}.{}").format(sql.Identifier(schemas.stage), sql.Identifier(table)))
    result.seconds = time.perf_counter() - started
    return result
