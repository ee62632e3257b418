"""Rollback: put the legacy schema back, in one transaction, same lock discipline.

The current live (target) schema becomes <live>_rolledback_<run>, the archive
becomes live again, the extensions moved at cutover move back and the change
capture comes off the legacy tables, so an untouched round trip leaves the
legacy schema exactly as it was. Writes made to the target after the cutover
(seen by its change capture) make the rollback refuse; with --force they are
exported to backups/post_cutover_<run>.jsonl and carried back where they have
a legacy equivalent (see carry_back.py). Nothing is lost either way: the
target stays whole in <live>_rolledback_<run>.

Two things refuse it even with --force, because the DBA must decide: a write
it cannot carry back at all (to a table without a primary key: its rows
cannot be told apart), and an alembic_version that changed since the cutover
(the application ran a migration of its own, which the legacy schema knows
nothing of).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from harness.common import log
from harness.common.errors import CheckFailed, OutOfOrder
from harness.common.schemas import Schemas
from harness.db import audit, capture, carry_back, locks, privileges, surroundings, swap
from harness.db import connection as db
from harness.db.swap import DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_RETRIES, SwapRefused
from harness.flows import cutover, state
from harness.flows.progress import Progress
from harness.flows.schema_lock import holds_schema
from harness.reporting import reports
from harness.reporting.reports import Result


def writes_refusal(live: str, run_id: str, writes: dict[str, int]) -> SwapRefused:
    listed = ", ".join(f"{table} {count}" for table, count in writes.items())
    return SwapRefused(
        "writes_after_cutover",
        f"{sum(writes.values())} writes were made to {live!r} after the cutover of run {run_id} ({listed}); "
        "nothing was rolled back. `harness rollback --force` exports them to "
        f"backups/post_cutover_{run_id}.jsonl and carries back what has a legacy equivalent",
        writes,
    )


def unkeyed_refusal(live: str, run_id: str, writes: dict[str, int]) -> SwapRefused:
    table, count = next(iter(writes.items()))
    more = f" (and writes to {len(writes) - 1} more such tables)" if len(writes) > 1 else ""
    return SwapRefused(
        "not_carriable",
        f"{count} writes to {live}.{table} since the cutover of run {run_id} cannot be carried back: {table} has no "
        f"primary key, so its rows cannot be told apart{more}; nothing was rolled back, not even with --force. "
        f"The writes are in {audit.CHANGE_LOG} (side target, run {run_id}): the DBA decides",
        writes,
    )


def alembic_refusal(live: str, run_id: str, was: list[str], now: list[str] | None) -> SwapRefused:
    shown = ", ".join(now) if now else "no alembic_version table"
    return SwapRefused(
        "alembic_changed",
        f"{live}.alembic_version changed since the cutover of run {run_id} (was {', '.join(was)}, now {shown}): the "
        "application ran a migration of its own, which the legacy schema knows nothing of; nothing was rolled back, "
        "not even with --force. The DBA decides: undo that migration (alembic_version back as it was), or keep the "
        "cutover",
    )


def refuse_what_cannot_come_back(cur, live: str, cut: dict) -> None:
    """The refusals --force does not lift (raised as SwapRefused; under the swap's locks they hold)."""
    run_id = cut["run_id"]
    was = (cut.get("details") or {}).get("alembic_version")
    if was is not None:  # a cutover recorded before the stamp was kept: nothing to compare with
        now = cutover.alembic_stamp(cur, live)
        if now != was:
            raise alembic_refusal(live, run_id, was, now)
    unkeyed = audit.unkeyed_writes(cur, live, run_id)
    if unkeyed:
        raise unkeyed_refusal(live, run_id, unkeyed)


@dataclass
class RollbackResult(Result):
    run_id: str
    live_schema: str
    rolledback_schema: str
    writes_after_cutover: dict[str, int] = field(default_factory=dict)
    carried: carry_back.CarryResult | None = None
    extensions_moved_back: list[str] = field(default_factory=list)
    lock_window_ms: float = 0.0
    attempts: int = 0
    seconds: float = 0.0
    window: tuple[float, float] = (0.0, 0.0)  # perf_counter() at lock and commit, for load measurements
    report_path: str | None = None
    moved_back: list[str] = field(default_factory=list)  # the application's objects back in the legacy schema
    after_rollback: str | None = None  # the DBA's SQL file run inside the rollback
    surroundings: list[dict] = field(default_factory=list)  # around the target's tables, as the rollback found it

    def to_dict(self) -> dict:
        return super().to_dict() | {"carried": self.carried.to_dict() if self.carried else None}


def preflight(cur, schemas: Schemas) -> dict:
    state.require_live_exists(cur, schemas)
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


@holds_schema("rollback")
def rollback(
    target: db.Target,
    schemas: Schemas,
    *,
    force: bool = False,
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
    retries: int = DEFAULT_RETRIES,
    progress: Progress | None = None,
    on_locked: Callable[[], None] | None = None,
    after_rollback: str | Path | None = None,
) -> RollbackResult:
    """Put the legacy schema back in one transaction (the module docstring); force: carry back the
    writes made since the cutover instead of refusing on them; after_rollback: a file of the DBA's
    SQL, run inside the rollback after the renames (what the cutover's --after-swap re-pointed at
    the new tables, pointed back at the legacy ones)."""
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    dba_sql = surroundings.DbaSql.load(after_rollback, "--after-rollback")
    with db.connect(target) as conn, conn.cursor() as cur:
        privileges.require(cur, schemas, "audit")  # before the audit is first read
        cut = preflight(cur, schemas)
        privileges.require(cur, schemas, "rollback")
        run_id = cut["run_id"]
        # the application's objects the cutover carried into the new live schema come back with the legacy one
        carried = (cut.get("details") or {}).get("carried", [])
        around = surroundings.read(cur, schemas.live, incoming=schemas.archive(run_id), carried=carried)
        surroundings.require_movable(cur, around)
        audit.ensure(cur)
        conn.commit()
    live, archive, rolledback = schemas.live, schemas.archive(run_id), schemas.rolledback(run_id)
    result = RollbackResult(
        run_id=run_id, live_schema=live, rolledback_schema=rolledback, after_rollback=dba_sql and dba_sql.path
    )

    def legacy_uncaptured(cur) -> None:
        """The swap's step 2: the legacy tables come back without the capture of their stage."""
        capture.remove(cur, archive)

    def refuse_or_carry_back(cur) -> None:
        """The swap's step 4: what cannot come back refuses; writes since the cutover refuse unless
        forced, and forced they are carried back to the legacy tables."""
        refuse_what_cannot_come_back(cur, live, cut)
        result.writes_after_cutover = audit.writes_since(cur, live, "target", run_id)
        if result.writes_after_cutover and not force:
            raise writes_refusal(live, run_id, result.writes_after_cutover)
        result.carried = None
        if result.writes_after_cutover:
            result.carried = carry_back.carry_back(cur, live, run_id, target_schema=live, legacy_schema=archive)

    def before_any_lock(cur) -> None:
        """What cannot come back, and what surrounds the target's tables (as the swap's survey sees it)."""
        refuse_what_cannot_come_back(cur, live, cut)
        swap.survey(cur, "rollback", live=live, incoming=archive, carry=carried, dba_sql=dba_sql, drop_rules=())

    def details() -> dict:
        carried = result.carried
        return {
            "after_rollback": dba_sql.path if dba_sql else None,
            "rolledback_schema": rolledback,
            "writes_after_cutover": result.writes_after_cutover,
            "forced": force,
            "export": carried.export_path if carried else None,
            "carried": carried.carried if carried else {},
            "not_carried": len(carried.not_carried) if carried else 0,
        }

    with db.connect(target) as conn:
        swap.refuse_early(conn, "rollback", live, run_id, started_at, before_any_lock)
        swapped = swap.exchange(
            conn,
            "rollback",
            live=live,
            run_id=run_id,
            incoming=archive,
            outgoing=rolledback,
            prepare=legacy_uncaptured,
            guard=refuse_or_carry_back,
            details=details,
            started_at=started_at,
            extensions=(cut.get("details") or {}).get("extensions_moved", []),
            carry=carried,
            dba_sql=dba_sql,
            outgoing_comment=f"abparts-migrate: the target schema of run {run_id}, rolled back",
            lock_timeout_ms=lock_timeout_ms,
            retries=retries,
            on_locked=on_locked,
        )
        try:  # no longer live: its triggers would log writes nobody makes; prune takes them off otherwise
            locks.with_lock_retries(
                conn,
                lambda cur: capture.remove(cur, rolledback),
                lock_timeout_ms=lock_timeout_ms,
                retries=retries,
                what=f"removing change capture from {rolledback}",
            )
        except CheckFailed as busy:
            log.event(f"change capture stays on {rolledback}: {busy.message}", run_id=run_id, level=30)
        # the legacy tables come back with the statistics they left with (a rename keeps them): fresh
        # ones only for the tables the carry-back wrote rows into, inventory's stock levels included
        swap.analyze(conn, live, result.carried.tables_written() if result.carried else set())
    result.attempts, result.lock_window_ms = swapped.attempts, swapped.lock_window_ms
    result.window = (swapped.locked_at, swapped.committed_at)
    result.extensions_moved_back = swapped.extensions_moved
    result.moved_back = swapped.carried
    result.surroundings = swapped.surroundings.to_dict() if swapped.surroundings else []
    result.seconds = time.perf_counter() - started
    # the run's report (and its HTML page) says it was rolled back, and what came back
    block = {k: v for k, v in result.to_dict().items() if k not in ("window", "report_path")}
    result.report_path = str(reports.add_to_migration_report(run_id, live, "rollback", block, "rolled back"))
    return result
