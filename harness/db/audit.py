"""The migration_audit schema, and the only module that reads or writes it.

Its whole DDL is harness/sql/migration_audit.sql: runs (one per stage),
steps (every step of a run, with outcome, counts and details), quarantine
(the legacy rows a build set aside), change_log (what the capture triggers
saw), capture_runs (the run they report to) and the triggers' function. Every row is keyed by live schema and run
id, so several live schemas can share one database. Other modules call the
functions below; none of them holds SQL that touches the schema.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime
from typing import Any

from psycopg2 import sql

from harness.common import log, sqlfiles
from harness.common.schemas import AUDIT_SCHEMA
from harness.db import connection as db

TABLES = ("runs", "steps", "quarantine", "change_log", "capture_runs")
# what the capture triggers execute (capture.py composes the trigger with it)
CAPTURE_FUNCTION = sql.Identifier(AUDIT_SCHEMA, "capture_change")
# what the read-only guard of a built target executes (capture.protect())
READ_ONLY_FUNCTION = sql.Identifier(AUDIT_SCHEMA, "refuse_write")
CHANGE_LOG = f"{AUDIT_SCHEMA}.change_log"  # its name, for messages
RUN_COLUMNS = ("run_id", "created_at", "snapshot_time", "snapshot", "source_row_counts", "stage_notes", "capture")
STEP_COLUMNS = ("run_id", "step", "started_at", "finished_at", "outcome", "row_counts", "details", "message")


def _ddl() -> tuple[str, str]:
    text = sqlfiles.read("migration_audit.sql")
    return text, f"abparts-migrate audit schema {hashlib.sha1(text.encode()).hexdigest()[:12]}"


def ensure(cur) -> None:
    """Create (or complete) the schema. When it is already current (its comment
    names this DDL's digest) nothing is executed: the DDL would lock change_log,
    which the application's transactions write through the capture triggers."""
    text, marker = _ddl()
    cur.execute("select obj_description(oid, 'pg_namespace') from pg_namespace where nspname = %s", (AUDIT_SCHEMA,))
    row = cur.fetchone()
    if row and row[0] == marker:
        return
    cur.execute("select current_setting('lock_timeout')")
    saved = cur.fetchone()[0]
    cur.execute("select set_config('lock_timeout', '10s', true)")
    cur.execute(text)
    cur.execute(sql.SQL("comment on schema {} is {}").format(sql.Identifier(AUDIT_SCHEMA), sql.Literal(marker)))
    cur.execute("select set_config('lock_timeout', %s, true)", (saved,))


def exists(cur) -> bool:
    return db.relation_exists(cur, AUDIT_SCHEMA, "steps")


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%d_%H%M%S_") + secrets.token_hex(2)


def _table(name: str) -> sql.Composable:
    return sql.Identifier(AUDIT_SCHEMA, name)


# ---------------------------------------------------------------- runs


def record_run(
    cur,
    live: str,
    run_id: str,
    *,
    snapshot_time: datetime,
    snapshot: str,
    row_counts: dict[str, int],
    notes: list[str],
    capture: bool,
) -> None:
    cur.execute(
        sql.SQL(
            "insert into {} (live_schema, run_id, snapshot_time, snapshot, source_row_counts, stage_notes, capture)"
            " values (%s, %s, %s, %s, %s, %s, %s)"
        ).format(_table("runs")),
        (live, run_id, snapshot_time, snapshot, json.dumps(row_counts), json.dumps(notes), capture),
    )


def _runs(cur, live: str, run_id: str | None) -> list[dict]:
    if not db.relation_exists(cur, AUDIT_SCHEMA, "runs"):
        return []
    query = sql.SQL("select {} from {} where live_schema = %s").format(
        sql.SQL(", ").join(map(sql.Identifier, RUN_COLUMNS)), _table("runs")
    )
    params: list[Any] = [live]
    if run_id:
        query += sql.SQL(" and run_id = %s")
        params.append(run_id)
    return db.fetch_all(cur, query + sql.SQL(" order by created_at desc, run_id desc limit 1"), params)


def latest_run(cur, live: str) -> dict | None:
    """The newest stage of a live schema (its run id, snapshot and counts)."""
    rows = _runs(cur, live, None)
    return rows[0] if rows else None


def run(cur, live: str, run_id: str) -> dict | None:
    rows = _runs(cur, live, run_id)
    return rows[0] if rows else None


# ---------------------------------------------------------------- steps


def _log_step(live: str, run_id: str, step: str, outcome: str, row_counts, details, message) -> None:
    parts = [f"live={live}", f"outcome={outcome}"]
    if details and "seconds" in details:
        parts.append(f"seconds={details['seconds']}")
    if details and details.get("lock_window_ms") is not None:
        parts.append(f"lock_window_ms={details['lock_window_ms']}")
    if row_counts:
        parts.append(f"rows={sum(v for v in row_counts.values() if isinstance(v, int))}")
    if message:
        parts.append(f"message={message}")
    log.event(" ".join(parts), run_id=run_id, step=step, level=20 if outcome == "ok" else 30)


def record_step(
    cur,
    live: str,
    run_id: str,
    step: str,
    started_at: datetime,
    outcome: str,
    *,
    row_counts: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    message: str | None = None,
) -> None:
    """One finished step of a run (also written to logs/migration.log)."""
    cur.execute(
        sql.SQL(
            "insert into {} (live_schema, run_id, step, started_at, finished_at, outcome, row_counts, details,"
            " message) values (%s, %s, %s, %s, clock_timestamp(), %s, %s, %s, %s)"
        ).format(_table("steps")),
        (
            live,
            run_id,
            step,
            started_at,
            outcome,
            json.dumps(row_counts) if row_counts is not None else None,
            json.dumps(details, default=str) if details is not None else None,
            message,
        ),
    )
    _log_step(live, run_id, step, outcome, row_counts, details, message)


def begin_step(cur, live: str, run_id: str, step: str, started_at: datetime, details: dict[str, Any]) -> int:
    """A step that is starting: outcome 'running' and no finished_at until finish_step(). A step
    whose process was killed stays so; state.py shows it as interrupted when no harness
    process holds the live schema any more."""
    cur.execute(
        sql.SQL(
            "insert into {} (live_schema, run_id, step, started_at, outcome, details) values"
            " (%s, %s, %s, %s, 'running', %s) returning id"
        ).format(_table("steps")),
        (live, run_id, step, started_at, json.dumps(details, default=str)),
    )
    log.event(f"live={live} outcome=running", run_id=run_id, step=step)
    return int(cur.fetchone()[0])


def finish_step(
    cur,
    step_id: int,
    outcome: str,
    *,
    row_counts: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    message: str | None = None,
) -> None:
    """The end of a step begun with begin_step(): its outcome, counts and details."""
    cur.execute(
        sql.SQL(
            "update {} set finished_at = clock_timestamp(), outcome = %s, row_counts = %s,"
            " details = coalesce(details, '{{}}'::jsonb) || %s::jsonb, message = %s where id = %s"
            " returning live_schema, run_id, step"
        ).format(_table("steps")),
        (
            outcome,
            json.dumps(row_counts) if row_counts is not None else None,
            json.dumps(details or {}, default=str),
            message,
            step_id,
        ),
    )
    live, run_id, step = cur.fetchone()
    _log_step(live, run_id, step, outcome, row_counts, details, message)


def add_step_details(cur, live: str, run_id: str, step: str, details: dict[str, Any]) -> None:
    """Merge details into the latest row of a step (numbers known only after its commit)."""
    cur.execute(
        sql.SQL(
            "update {steps} set details = coalesce(details, '{{}}'::jsonb) || %s::jsonb where id = ("
            "select max(id) from {steps} where live_schema = %s and run_id = %s and step = %s)"
        ).format(steps=_table("steps")),
        (json.dumps(details, default=str), live, run_id, step),
    )
    log.event(" ".join(f"{k}={v}" for k, v in details.items()), run_id=run_id, step=step)


def steps_of(cur, live: str, run_id: str | None = None) -> list[dict]:
    """Every step of a live schema (or of one run), oldest first."""
    if not db.relation_exists(cur, AUDIT_SCHEMA, "steps"):
        return []
    query = sql.SQL("select {} from {} where live_schema = %s").format(
        sql.SQL(", ").join(map(sql.Identifier, STEP_COLUMNS)), _table("steps")
    )
    params: list[Any] = [live]
    if run_id:
        query += sql.SQL(" and run_id = %s")
        params.append(run_id)
    return db.fetch_all(cur, query + sql.SQL(" order by id"), params)


# ---------------------------------------------------------------- quarantine


def replace_quarantine(cur, live: str, run_id: str, stage_schema: str) -> None:
    """Keep the build's quarantine (<stage>.migration_quarantine) with the run: the stage is dropped later."""
    cur.execute(
        sql.SQL("delete from {} where live_schema = %s and run_id = %s").format(_table("quarantine")), (live, run_id)
    )
    cur.execute(
        sql.SQL(
            "insert into {} (live_schema, run_id, source_table, source_id, reason_code, severity, detail,"
            " legacy_row) select %s, %s, source_table, source_id, reason_code, severity, detail, legacy_row"
            " from {}"
        ).format(_table("quarantine"), sql.Identifier(stage_schema, "migration_quarantine")),
        (live, run_id),
    )


def quarantined_rows(cur, live: str, run_id: str) -> int:
    if not db.relation_exists(cur, AUDIT_SCHEMA, "quarantine"):
        return 0
    cur.execute(
        sql.SQL("select count(*) from {} where live_schema = %s and run_id = %s").format(_table("quarantine")),
        (live, run_id),
    )
    return int(cur.fetchone()[0])


# ---------------------------------------------------------------- change log


def point_capture(cur, live: str, side: str, run_id: str) -> None:
    """Make the capture triggers of a live schema's side report to `run_id` from the commit on."""
    cur.execute(
        sql.SQL(
            "insert into {} (live_schema, side, run_id) values (%s, %s, %s) on conflict (live_schema, side)"
            " do update set run_id = excluded.run_id, pointed_at = clock_timestamp()"
        ).format(_table("capture_runs")),
        (live, side, run_id),
    )


def capture_run(cur, live: str, side: str) -> str | None:
    """The run the capture triggers of a live schema's side report to."""
    if not db.relation_exists(cur, AUDIT_SCHEMA, "capture_runs"):
        return None
    cur.execute(
        sql.SQL("select run_id from {} where live_schema = %s and side = %s").format(_table("capture_runs")),
        (live, side),
    )
    row = cur.fetchone()
    return row[0] if row else None


def writes_since(cur, live: str, side: str, run_id: str, snapshot: str | None = None) -> dict[str, int]:
    """Logged writes per table. With a stage snapshot (the drift guard): every write of the live
    schema's side the snapshot does not hold, whichever run the trigger reported it to (a
    transaction in flight when a stage re-pointed the capture logs under the run before);
    without one: the writes reported to `run_id`."""
    if not db.relation_exists(cur, AUDIT_SCHEMA, "change_log"):
        return {}
    query = sql.SQL("select table_name, count(*) from {} where live_schema = %s and side = %s").format(
        _table("change_log")
    )
    params: list[Any] = [live, side]
    if snapshot:
        # a transaction older than the snapshot's xmin is visible in it: the index bounds the scan
        query += sql.SQL(
            " and txid >= pg_snapshot_xmin(%s::pg_snapshot) and not pg_visible_in_snapshot(txid, %s::pg_snapshot)"
        )
        params += [snapshot, snapshot]
    else:
        query += sql.SQL(" and run_id = %s")
        params.append(run_id)
    cur.execute(query + sql.SQL(" group by table_name order by table_name"), params)
    return {table: int(n) for table, n in cur.fetchall()}


def unkeyed_writes(cur, live: str, run_id: str, side: str = "target") -> dict[str, int]:
    """Logged row writes without a row id (their table has no primary key), per table."""
    if not db.relation_exists(cur, AUDIT_SCHEMA, "change_log"):
        return {}
    cur.execute(
        sql.SQL(
            "select table_name, count(*) from {} where live_schema = %s and side = %s and run_id = %s"
            " and row_id is null and op <> 'TRUNCATE' group by table_name order by table_name"
        ).format(_table("change_log")),
        (live, side, run_id),
    )
    return {table: int(n) for table, n in cur.fetchall()}


def changes(cur, live: str, run_id: str, side: str = "target") -> list[dict]:
    """Every logged write of a run on one side, oldest first: what a rollback must not lose."""
    return db.fetch_all(
        cur,
        sql.SQL(
            "select id, table_name, op, row_id, changed_at, old_row, new_row from {}"
            " where live_schema = %s and side = %s and run_id = %s order by id"
        ).format(_table("change_log")),
        (live, side, run_id),
    )


# ---------------------------------------------------------------- housekeeping


def forget(cur, live: str) -> None:
    """Delete every audit row of a live schema (a new sample starts from nothing)."""
    for table in TABLES:
        if db.relation_exists(cur, AUDIT_SCHEMA, table):
            cur.execute(sql.SQL("delete from {} where live_schema = %s").format(_table(table)), (live,))
