"""Cutover: the preflight and post-steps around the swap (swap.py) that puts
the built <live>_next in place.

Before: preflight (state) and the backups (snapshots + pg_dump) — always.
The swap: the drift guard (no write since the stage snapshot, per the change
capture) under the locks, then <live> -> <live>_archive_<run> and
<live>_next -> <live>, the relocatable extensions of the live schema moved
along, the new tables given owners and privileges by the grant rule (parity.py:
never wider than the legacy ones), change capture on the new tables. Row-level
security on a legacy table is refused before the backups (it is not carried).
After: the run's migration report gets the cutover.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from psycopg2 import sql

from harness.common.errors import OutOfOrder
from harness.common.schemas import Schemas
from harness.db import audit, capture, fingerprint, parity, privileges, surroundings, swap
from harness.db import connection as db
from harness.db.swap import DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_RETRIES, SwapRefused
from harness.flows import backup, grants, seal, stage, state
from harness.flows.progress import Progress
from harness.flows.schema_lock import holds_schema
from harness.reporting import reports
from harness.reporting.reports import Result


def drift_refusal(live: str, run_id: str, writes: dict[str, int]) -> SwapRefused:
    listed = ", ".join(f"{table} {count}" for table, count in writes.items())
    return SwapRefused(
        "drift",
        f"the live schema {live!r} changed since the stage of run {run_id} ({listed} writes); nothing was cut over. "
        "Way forward: `harness migrate --catch-up` (restage, rebuild, retry), or stop the application's writes first",
        writes,
    )


@dataclass
class CutoverResult(Result):
    run_id: str
    live_schema: str
    archive_schema: str
    lock_window_ms: float = 0.0
    lock_wait_ms: float = 0.0
    attempts: int = 0
    backup: backup.BackupResult | None = None
    extensions_moved: list[str] = field(default_factory=list)
    extensions_left: list[str] = field(default_factory=list)
    extension_notes: dict[str, str] = field(default_factory=dict)
    window: tuple[float, float] = (0.0, 0.0)  # perf_counter() at lock and commit, for load measurements
    privilege_statements: int = 0
    grants: dict = field(default_factory=dict)  # the grant rule's plan as applied (parity.GrantPlan.to_dict())
    seconds: float = 0.0
    report_path: str | None = None
    surroundings: list[dict] = field(default_factory=list)  # as read under the locks, with what the swap did
    carried: list[str] = field(default_factory=list)  # the application's objects moved into the new live schema
    after_swap: str | None = None  # the DBA's SQL file run inside the swap
    after_swap_ms: float = 0.0


def preflight(cur, schemas: Schemas) -> state.State:
    """Refuse out-of-order use with a one-line reason; return the state to cut over from."""
    state.require_live_exists(cur, schemas)
    current = state.describe(cur, schemas)
    if current.cutover:
        raise OutOfOrder(
            f"a cutover is already in place on schema {schemas.live!r} (run {current.cutover['run_id']}, "
            f"{current.cutover['finished_at']:%Y-%m-%d %H:%M:%S %Z}); roll it back first (`harness rollback`)"
        )
    if current.live_kind != "legacy":
        raise OutOfOrder(
            f"schema {schemas.live!r} is not a legacy ABParts schema ({current.live_kind}); nothing to cut over"
        )
    stage.check_not_partitioned(cur, schemas)
    if current.build_outcome in ("running", "interrupted"):
        raise OutOfOrder(
            f"the last build (run {current.build_run}) did not finish ({current.build_outcome}): "
            "its target is never cut over; rebuild with `harness build`"
        )
    if not current.next_exists or not current.build_run:
        raise OutOfOrder(
            f"nothing is built for schema {schemas.live!r}: run `harness build` (or `harness migrate`) first"
        )
    if current.build_outcome != "ok":
        raise OutOfOrder(f"the last build (run {current.build_run}) failed: fix it and rebuild before cutting over")
    rolled_back = [
        s
        for s in current.steps
        if s["step"] == "rollback" and s["outcome"] == "ok" and s["run_id"] == current.build_run
    ]
    if rolled_back:
        raise OutOfOrder(
            f"run {current.build_run} was cut over and rolled back; a new cutover needs a new run: `harness build`"
        )
    run = audit.run(cur, schemas.live, current.build_run)
    if not run or not run["capture"]:
        raise OutOfOrder(
            f"run {current.build_run} was staged without change capture (a dry run), so writes since its snapshot "
            "cannot be ruled out: build it with `harness build`, or use `harness migrate`"
        )
    capturing = capture.installed_run(cur, schemas.live)
    if capturing is None:
        raise OutOfOrder(
            f"change capture is off on {schemas.live!r} (taken off by `harness prune`?), so writes since the stage "
            f"of run {current.build_run} cannot be ruled out: rebuild with `harness build`"
        )
    if capturing != current.build_run:
        raise OutOfOrder(
            f"change capture on {schemas.live!r} belongs to run {capturing}, not to the built run {current.build_run} "
            "(something restaged): rebuild with `harness build`"
        )
    if db.schema_exists(cur, schemas.archive(current.build_run)):
        raise OutOfOrder(f"schema {schemas.archive(current.build_run)!r} already exists; run `harness status`")
    return current


def alembic_stamp(cur, schema: str) -> list[str] | None:
    """The revisions alembic_version of `schema` holds (None: it has no such table)."""
    cur.execute("select to_regclass(%s)", (f'"{schema}".alembic_version',))
    if cur.fetchone()[0] is None:
        return None
    cur.execute(
        sql.SQL("select version_num::text from {} order by 1").format(sql.Identifier(schema, "alembic_version"))
    )
    return [r[0] for r in cur.fetchall()]


@holds_schema("cutover")
def cutover(
    target: db.Target,
    schemas: Schemas,
    *,
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
    retries: int = DEFAULT_RETRIES,
    progress: Progress | None = None,
    post_validation: str = "not run",
    on_locked: Callable[[], None] | None = None,
    after_swap: str | Path | None = None,
    drop_rules: tuple[str, ...] = (),
) -> CutoverResult:
    """post_validation: what the audit row says of it ('pending' from migrate, which runs it next);
    on_locked: called when the live tables are locked (a script resuming its application's writes);
    after_swap: a file of the DBA's SQL, run inside the swap after the renames (views and foreign keys
    re-pointed at the new tables, integrity rules recreated); drop_rules: the legacy tables'
    integrity rules the new tables are not to have (--drop-rule)."""
    progress = progress or Progress()
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    dba_sql = surroundings.DbaSql.load(after_swap, "--after-swap")
    drop_rules = tuple(drop_rules)
    with db.connect(target) as conn, conn.cursor() as cur:
        privileges.require(cur, schemas, "audit")  # before the audit is first read
        current = preflight(cur, schemas)
        privileges.require(cur, schemas, "cutover")
        parity.refuse_row_security(cur, schemas.live, after_swap=dba_sql is not None)
        rule = grants.inputs(cur)  # the lineage and the seed, read (and its roles checked) before any lock
        around = surroundings.read(cur, schemas.live, incoming=schemas.next, drop_rules=drop_rules)
        surroundings.require_known_rules(around, drop_rules)
        surroundings.require_movable(cur, around)
        seal.verify(cur, schemas, current)  # after the privileges: a role's grant to read the target is a change
        audit.ensure(cur)
        run_id = current.build_run
        sealed = current.build_step["details"]["fingerprint"]
        snapshot = audit.run(cur, schemas.live, run_id)["snapshot"]
        conn.commit()
    result = CutoverResult(run_id=run_id, live_schema=schemas.live, archive_schema=schemas.archive(run_id))
    stamped: list[str] = []

    def ready_the_target(cur) -> None:
        """The swap's step 2: <live>_next as the build sealed it, its guard off, captured, with the
        privileges of the legacy schema."""
        differences = fingerprint.catalog_differences(sealed["catalog"], fingerprint.catalog(cur, schemas.next))
        if differences:
            raise SwapRefused("target_changed", seal.not_what_was_built(schemas, run_id, differences))
        # the application's revision as cut over: a rollback refuses once its own migration changed it
        stamped[:] = alembic_stamp(cur, schemas.next) or []
        capture.ready_as_live(cur, schemas.next, schemas.live, run_id)
        plan, result.privilege_statements = parity.reproduce(
            cur, schemas.live, schemas.next, rule.lineage, rule.adjustments
        )
        result.grants = plan.to_dict()

    def no_drift(cur) -> None:
        """The swap's step 4, the drift guard: no write to the live tables since the stage's snapshot."""
        writes = audit.writes_since(cur, schemas.live, "legacy", run_id, snapshot)
        if writes:
            raise drift_refusal(schemas.live, run_id, writes)

    def before_any_lock(cur) -> None:
        """The drift guard, and what surrounds the legacy tables (as the swap's survey step sees it)."""
        no_drift(cur)
        swap.survey(
            cur,
            "cutover",
            live=schemas.live,
            incoming=schemas.next,
            carry=None,
            dba_sql=dba_sql,
            drop_rules=drop_rules,
        )

    def row_security_recreated(cur) -> None:
        """The swap's step 11, with an after-swap file: the legacy tables' row-level security (now in
        the archive) recreated on the new live tables, or refuse: no row is shown to fewer roles."""
        parity.require_row_security_carried(cur, result.archive_schema, schemas.live)

    def on_retry(attempt: int, wait: float) -> None:
        progress.message(
            f"cutover: the live tables are busy (lock_timeout {lock_timeout_ms} ms); "
            f"retry {attempt}/{retries} in {wait:.1f}s"
        )

    with db.connect(target) as conn:
        # before backups for nothing
        swap.refuse_early(conn, "cutover", schemas.live, run_id, started_at, before_any_lock)
        taken = (current.build_step.get("details") or {}).get("snapshot_rows")
        result.backup = backup.backup(target, schemas, run_id, progress, snapshots_taken=taken)
        progress.step("cleanup", "running", note="cutover: waiting for the locks")
        swapped = swap.exchange(
            conn,
            "cutover",
            live=schemas.live,
            run_id=run_id,
            incoming=schemas.next,
            outgoing=result.archive_schema,
            prepare=ready_the_target,
            guard=no_drift,
            started_at=started_at,
            lock_timeout_ms=lock_timeout_ms,
            retries=retries,
            on_retry=on_retry,
            on_locked=on_locked,
            dba_sql=dba_sql,
            drop_rules=drop_rules,
            verify=row_security_recreated if dba_sql else None,
            details=lambda: {
                "after_swap": dba_sql.path if dba_sql else None,
                "drop_rules": list(drop_rules),
                "archive_schema": result.archive_schema,
                "backup": result.backup.__dict__,
                "post_validation": post_validation,
                "alembic_version": stamped,
                "privilege_statements": result.privilege_statements,
            },
        )
        swap.analyze(conn, schemas.live)
    result.attempts, result.lock_window_ms, result.lock_wait_ms = (
        swapped.attempts,
        swapped.lock_window_ms,
        swapped.lock_wait_ms,
    )
    result.extensions_moved, result.extensions_left = swapped.extensions_moved, swapped.extensions_left
    result.extension_notes = swapped.extension_notes
    result.window = (swapped.locked_at, swapped.committed_at)
    result.surroundings = swapped.surroundings.to_dict() if swapped.surroundings else []
    result.carried, result.after_swap_ms = swapped.carried, swapped.dba_sql_ms
    result.after_swap = dba_sql.path if dba_sql else None
    result.seconds = time.perf_counter() - started
    progress.step(
        "cleanup",
        "ok",
        note=f"cut over: locks held {result.lock_window_ms:.1f} ms; legacy kept as {result.archive_schema}",
    )
    result.report_path = str(_record_in_report(result))
    return result


def _record_in_report(result: CutoverResult):
    """Add the cutover to the run's migration report (or start one)."""
    return reports.add_to_migration_report(
        result.run_id,
        result.live_schema,
        "cutover",
        {
            "archive_schema": result.archive_schema,
            "lock_window_ms": round(result.lock_window_ms, 3),
            "lock_wait_ms": round(result.lock_wait_ms, 3),
            "attempts": result.attempts,
            "extensions_moved": result.extensions_moved,
            "extensions_left": result.extensions_left,
            "privilege_statements": result.privilege_statements,
            "grants": result.grants,
            "backup": result.backup.__dict__ if result.backup else None,
            "seconds": round(result.seconds, 3),
            "carried": result.carried,
            "after_swap": result.after_swap,
            "after_swap_ms": round(result.after_swap_ms, 3),
        },
        "cut over",
        # what surrounds the legacy tables as the swap found it under its locks, and what it did with each
        extra={"surroundings": result.surroundings},
    )
