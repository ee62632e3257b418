"""Rollback: put the legacy schema back, in one transaction, same lock discipline.

The current live (target) schema becomes <live>_rolledback_<run>, the archive
becomes live again, the extensions moved at cutover move back and the change
capture comes off the legacy tables, so an untouched round trip leaves the
legacy schema exactly as it was. Writes made to the target after the cutover
(seen by its change capture) make the rollback refuse; with --force they are
exported to backups/post_cutover_<run>.jsonl and carried back where they have
a legacy equivalent (see carry_back.py). Nothing is lost either way: the
target stays whole in <live>_rolledback_<run>.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from psycopg2 import sql

from . import audit, capture, carry_back, db, locks, state
from .cutover import DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_RETRIES, analyze
from .errors import CheckFailed, OutOfOrder
from .progress import Progress
from .schemas import Schemas


class WritesAfterCutover(CheckFailed):
    def __init__(self, live: str, run_id: str, writes: dict[str, int]):
        self.writes = writes
        listed = ", ".join(f"{table} {count}" for table, count in writes.items())
        super().__init__(
            f"{sum(writes.values())} writes were made to {live!r} after the cutover of run {run_id} ({listed}); "
            "nothing was rolled back. `harness rollback --force` exports them to "
            f"backups/post_cutover_{run_id}.jsonl and carries back what has a legacy equivalent"
        )


@dataclass
class RollbackResult:
    run_id: str
    live_schema: str
    rolledback_schema: str
    writes_after_cutover: dict[str, int] = field(default_factory=dict)
    carried: carry_back.CarryResult | None = None
    extensions_moved_back: list[str] = field(default_factory=list)
    lock_window_ms: float = 0.0
    attempts: int = 0
    seconds: float = 0.0


def preflight(cur, schemas: Schemas) -> dict:
    current = state.describe(cur, schemas)
    if not current.cutover:
        if current.last_rollback:
            raise OutOfOrder(
                f"nothing to roll back: the cutover of run {current.last_rollback['run_id']} was already rolled back "
                f"({current.last_rollback['finished_at']:%Y-%m-%d %H:%M:%S %Z}); the legacy schema is live"
            )
        raise OutOfOrder(f"nothing to roll back: no cutover is in place on schema {schemas.live!r}")
    archive = schemas.archive(current.cutover["run_id"])
    if not db.schema_exists(cur, archive):
        raise OutOfOrder(f"the archive {archive!r} is gone (pruned?): restore it from backups/ with `harness restore`")
    return current.cutover


def rollback(
    target: db.Target,
    schemas: Schemas,
    *,
    force: bool = False,
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
    retries: int = DEFAULT_RETRIES,
    progress: Progress | None = None,
) -> RollbackResult:
    progress = progress or Progress()
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    with db.connect(target) as conn, conn.cursor() as cur:
        audit.ensure(cur)
        cut = preflight(cur, schemas)
        conn.commit()
    run_id = cut["run_id"]
    live, archive, rolledback = schemas.live, schemas.archive(run_id), schemas.rolledback(run_id)
    moved = (cut.get("details") or {}).get("extensions_moved", [])
    result = RollbackResult(run_id=run_id, live_schema=live, rolledback_schema=rolledback)
    timings: dict[str, float] = {}

    def work(cur) -> None:
        result.attempts += 1
        locks.lock_tables(cur, live, db.tables_in(cur, live))
        timings["locked"] = time.perf_counter()
        writes = capture.writes_since(cur, live, "target", run_id)
        result.writes_after_cutover = writes
        if writes and not force:
            raise WritesAfterCutover(live, run_id, writes)
        capture.remove(cur, archive)
        if writes:
            result.carried = carry_back.carry_back(cur, live, run_id, target_schema=live, legacy_schema=archive)
        cur.execute(sql.SQL("alter schema {} rename to {}").format(sql.Identifier(live), sql.Identifier(rolledback)))
        cur.execute(sql.SQL("alter schema {} rename to {}").format(sql.Identifier(archive), sql.Identifier(live)))
        for name in moved:
            cur.execute("select extnamespace::regnamespace::text from pg_extension where extname = %s", (name,))
            row = cur.fetchone()
            if row and row[0] == rolledback:
                cur.execute(sql.SQL("alter extension {} set schema {}").format(sql.Identifier(name), sql.Identifier(live)))
                result.extensions_moved_back.append(name)
        capture.remove(cur, rolledback)
        cur.execute(sql.SQL("comment on schema {} is %s").format(sql.Identifier(rolledback)),
                    (f"abparts-migrate: the target schema of run {run_id}, rolled back",))
        carried = result.carried
        audit.record_step(
            cur, live, run_id, "rollback", started_at, "ok",
            details={
                "rolledback_schema": rolledback, "writes_after_cutover": writes, "forced": force,
                "extensions_moved_back": result.extensions_moved_back, "attempts": result.attempts,
                "export": carried.export_path if carried else None,
                "carried": carried.carried if carried else {},
                "not_carried": len(carried.not_carried) if carried else 0,
            },
        )

    with db.connect(target) as conn:
        try:
            locks.with_lock_retries(conn, work, lock_timeout_ms=lock_timeout_ms, retries=retries,
                                    what=f"the rollback of {live}")
        except WritesAfterCutover as refused:
            with conn.cursor() as cur:
                audit.record_step(cur, live, run_id, "rollback", started_at, "refused",
                                  details={"writes_after_cutover": refused.writes}, message=refused.message)
            conn.commit()
            raise
        result.lock_window_ms = (time.perf_counter() - timings["locked"]) * 1000
        with conn.cursor() as cur:
            audit.add_step_details(cur, live, run_id, "rollback", {"lock_window_ms": round(result.lock_window_ms, 3)})
        conn.commit()
    analyze(target, live)
    result.seconds = time.perf_counter() - started
    return result
