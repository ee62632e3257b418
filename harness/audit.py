"""The migration_audit schema: runs, steps, change log, quarantine copies.

Every row is keyed by live schema and run id, so several live schemas can
share one database. Tables are created idempotently by `ensure()`.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

from psycopg2 import sql

from .schemas import AUDIT_SCHEMA

AUDIT_DDL = """
create schema if not exists migration_audit;
create table if not exists migration_audit.runs (
    live_schema text not null,
    run_id text not null,
    created_at timestamptz not null default now(),
    snapshot_time timestamptz,
    snapshot text,
    source_row_counts jsonb,
    stage_notes jsonb,
    capture boolean not null default false,
    primary key (live_schema, run_id)
);
alter table migration_audit.runs add column if not exists capture boolean not null default false;
create table if not exists migration_audit.steps (
    id bigserial primary key,
    live_schema text not null,
    run_id text not null,
    step text not null,
    started_at timestamptz not null,
    finished_at timestamptz,
    outcome text not null,
    row_counts jsonb,
    details jsonb,
    message text
);
create index if not exists steps_live_run on migration_audit.steps (live_schema, run_id, id);
create table if not exists migration_audit.quarantine (
    live_schema text not null,
    run_id text not null,
    source_table text not null,
    source_id uuid not null,
    reason_code text not null,
    severity text not null,
    detail text,
    legacy_row jsonb,
    primary key (live_schema, run_id, source_table, source_id)
);
"""


def ensure(cur) -> None:
    cur.execute(AUDIT_DDL)


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%d_%H%M%S_") + secrets.token_hex(2)


def _log_step(live: str, run_id: str, step: str, outcome: str, row_counts, details, message) -> None:
    from . import log

    parts = [f"live={live}", f"outcome={outcome}"]
    if details and "seconds" in details:
        parts.append(f"seconds={details['seconds']}")
    if details and details.get("lock_window_ms") is not None:
        parts.append(f"lock_window_ms={details['lock_window_ms']}")
    if row_counts:
        parts.append(f"rows={sum(v for v in row_counts.values() if isinstance(v, int))}")
    if message:
        parts.append(f"message={message}")
    log.event(" ".join(parts), run_id=run_id, step=step,
              level=30 if outcome not in ("ok",) else 20)


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
    cur.execute(
        sql.SQL(
            "insert into {}.steps (live_schema, run_id, step, started_at, finished_at, outcome, row_counts, details, message)"
            " values (%s, %s, %s, %s, clock_timestamp(), %s, %s, %s, %s)"
        ).format(sql.Identifier(AUDIT_SCHEMA)),
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


def add_step_details(cur, live: str, run_id: str, step: str, details: dict[str, Any]) -> None:
    """Merge details into the latest row of a step (numbers known only after its commit)."""
    cur.execute(
        "update migration_audit.steps set details = coalesce(details, '{}'::jsonb) || %s::jsonb where id = ("
        "select max(id) from migration_audit.steps where live_schema = %s and run_id = %s and step = %s)",
        (json.dumps(details), live, run_id, step),
    )
    from . import log

    log.event(" ".join(f"{k}={v}" for k, v in details.items()), run_id=run_id, step=step)


def latest_run(cur, live: str) -> dict | None:
    cur.execute("select to_regclass('migration_audit.runs')")
    if cur.fetchone()[0] is None:
        return None
    cur.execute(
        "select run_id, created_at, snapshot_time, snapshot, source_row_counts, stage_notes, capture"
        " from migration_audit.runs where live_schema = %s order by created_at desc, run_id desc limit 1",
        (live,),
    )
    row = cur.fetchone()
    if row is None:
        return None
    keys = ("run_id", "created_at", "snapshot_time", "snapshot", "source_row_counts", "stage_notes", "capture")
    return dict(zip(keys, row))


def run(cur, live: str, run_id: str) -> dict | None:
    cur.execute(
        "select run_id, created_at, snapshot_time, snapshot, source_row_counts, stage_notes, capture"
        " from migration_audit.runs where live_schema = %s and run_id = %s",
        (live, run_id),
    )
    row = cur.fetchone()
    keys = ("run_id", "created_at", "snapshot_time", "snapshot", "source_row_counts", "stage_notes", "capture")
    return dict(zip(keys, row)) if row else None


def steps_of(cur, live: str, run_id: str | None = None) -> list[dict]:
    cur.execute("select to_regclass('migration_audit.steps')")
    if cur.fetchone()[0] is None:
        return []
    query = (
        "select run_id, step, started_at, finished_at, outcome, row_counts, details, message"
        " from migration_audit.steps where live_schema = %s"
    )
    params: list[Any] = [live]
    if run_id:
        query += " and run_id = %s"
        params.append(run_id)
    cur.execute(query + " order by id", params)
    keys = ("run_id", "step", "started_at", "finished_at", "outcome", "row_counts", "details", "message")
    return [dict(zip(keys, row)) for row in cur.fetchall()]
