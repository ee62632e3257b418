"""The one transaction that exchanges two schemas; cutover and rollback are
its preflights and post-steps, and every schema rename of the harness is here.

In one transaction, under lock_timeout with bounded retries (locks.py):
  1. the incoming schema, which nobody uses yet: its tables locked, the
     caller's check of it (a cutover compares its catalog with the build's
     seal), and all its preparation — read-only guard off and change capture
     on (cutover: every table but alembic_version, the triggers pointed at the
     run) or off (rollback), and optionally grant parity: the owner,
     grants and default privileges of the live schema reproduced on it (a
     rollback keeps the archive's own: they are the legacy schema's)
  2. lock every table of the live schema (EXCLUSIVE: writers wait, readers go
     on) — the lock window, which holds only what follows:
  3. the caller's guard may refuse (writes since the stage, writes since the
     cutover): SwapRefused, and nothing changes; then the caller's work
     before the renames (a rollback's carry-back)
  4. rename <live> -> outgoing and incoming -> <live>
  5. extensions: the named ones move from the outgoing schema to the new live one
  6. the audit row of the step
Its COMMIT releases the locks without waiting for the WAL flush (synchronous_commit off for
that transaction only). After the commit: the lock window measured into the audit row, a
synchronous commit that waits for the swap's flush too (the swap is durable before swap()
returns), change capture taken off the outgoing tables (a rollback), then ANALYZE (a
rollback: only the tables its carry-back wrote; the others come back with their statistics).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

import psycopg2
import psycopg2.errors
from psycopg2 import sql

from harness.common import faults, log
from harness.common.errors import CheckFailed
from harness.db import audit, capture, locks, parity
from harness.db import connection as db

DEFAULT_LOCK_TIMEOUT_MS = 500
DEFAULT_RETRIES = 5


class SwapRefused(CheckFailed):
    """A guard said no under the locks; nothing was changed. `reason` says which guard."""

    def __init__(self, reason: str, message: str, writes: dict[str, int] | None = None):
        super().__init__(message)
        self.reason = reason
        self.writes = writes or {}


@dataclass
class Swap:
    """What one exchange does: `incoming` becomes <live>, <live> becomes `outgoing`."""

    kind: str  # the audit step: cutover | rollback
    live: str
    run_id: str
    incoming: str
    outgoing: str
    grant_parity: bool = False
    extensions: list[str] | None = None  # to move from outgoing to live; None: every one of the old live schema
    capture_incoming: str | None = None  # side to capture on the new live tables; None: remove capture there
    capture_off_outgoing: bool = False
    outgoing_comment: str | None = None
    check_incoming: Callable[..., None] | None = None  # check_incoming(cur), its tables locked: SwapRefused
    guard: Callable[..., None] | None = None  # guard(cur), under the live locks: raise SwapRefused to refuse
    before_rename: Callable[..., None] | None = None  # before_rename(cur), under the live locks
    on_locked: Callable[[], None] | None = None  # told when the live tables are locked (load tests, scripts)
    details: Callable[[], dict] | None = None  # more details for the audit row
    # the new live tables to ANALYZE after the commit (None: every one): statistics survive a rename
    analyze_tables: Callable[[], Iterable[str]] | None = None


@dataclass
class SwapResult:
    attempts: int = 0
    lock_window_ms: float = 0.0
    lock_wait_ms: float = 0.0
    extensions_moved: list[str] = field(default_factory=list)
    extensions_left: list[str] = field(default_factory=list)
    extension_notes: dict[str, str] = field(default_factory=dict)  # why one was left
    privilege_statements: int = 0
    locked_at: float = 0.0  # time.perf_counter() when the live tables were locked, and at the commit
    committed_at: float = 0.0


def rename_schema(cur, old: str, new: str) -> None:
    cur.execute(sql.SQL("alter schema {} rename to {}").format(sql.Identifier(old), sql.Identifier(new)))


def _move_extensions(cur, swap: Swap, names: list[str] | None, result: SwapResult) -> None:
    """Extensions follow the live schema where the role may move them. The target needs none
    (its defaults use the core gen_random_uuid()), so one the role may not move — a trusted
    extension whose member objects belong to the bootstrap superuser — or that cannot move
    stays where it is, with the schema it came with, and is reported; never a failed swap."""
    cur.execute("select extname, extrelocatable from pg_extension where extnamespace = %s::regnamespace"
                " order by extname", (swap.outgoing,))
    for name, relocatable in cur.fetchall():
        if names is not None and name not in names:
            continue
        if not relocatable:
            result.extensions_left.append(name)
            result.extension_notes[name] = "not relocatable"
            continue
        cur.execute("savepoint move_extension")
        try:
            cur.execute(sql.SQL("alter extension {} set schema {}").format(sql.Identifier(name),
                                                                           sql.Identifier(swap.live)))
        except psycopg2.errors.InsufficientPrivilege as refused:
            cur.execute("rollback to savepoint move_extension")
            result.extensions_left.append(name)
            result.extension_notes[name] = (refused.diag.message_primary or "not allowed").strip()
            continue
        cur.execute("release savepoint move_extension")
        result.extensions_moved.append(name)


def _prepare_incoming(cur, swap: Swap, result: SwapResult) -> None:
    """Everything that touches only the incoming schema, before the live tables are locked."""
    tables = db.tables_in(cur, swap.incoming)
    if tables:
        locks.lock_tables(cur, swap.incoming, tables, mode="access exclusive")
    if swap.check_incoming:
        swap.check_incoming(cur)
    capture.unprotect(cur, swap.incoming)
    if swap.capture_incoming:
        capture.install(cur, swap.incoming, swap.live, swap.capture_incoming, capture.target_tables(tables))
        audit.point_capture(cur, swap.live, swap.capture_incoming, swap.run_id)
    else:
        capture.remove(cur, swap.incoming)
    if swap.grant_parity:
        before = parity.read(cur, swap.live)
        statements = parity.statements(before, swap.incoming, tables, parity.owned_objects(cur, swap.incoming))
        for statement in statements:
            cur.execute(statement)
        result.privilege_statements = len(statements)


def _exchange(cur, swap: Swap, result: SwapResult, timings: dict[str, float]) -> None:
    result.attempts += 1
    result.extensions_moved, result.extensions_left, result.extension_notes = [], [], {}
    _prepare_incoming(cur, swap, result)
    if swap.extensions is None:
        cur.execute("select extname from pg_extension where extnamespace = %s::regnamespace", (swap.live,))
        extensions = [r[0] for r in cur.fetchall()]
    else:
        extensions = swap.extensions
    timings["lock_requested"] = time.perf_counter()
    locks.lock_tables(cur, swap.live, db.tables_in(cur, swap.live))
    timings["locked"] = time.perf_counter()
    faults.point(f"swap:{swap.kind}-locked")
    if swap.on_locked:
        swap.on_locked()
    if swap.guard:
        swap.guard(cur)
    if swap.before_rename:
        swap.before_rename(cur)
    rename_schema(cur, swap.live, swap.outgoing)
    rename_schema(cur, swap.incoming, swap.live)
    _move_extensions(cur, swap, extensions, result)
    if swap.outgoing_comment:
        cur.execute(sql.SQL("comment on schema {} is %s").format(sql.Identifier(swap.outgoing)),
                    (swap.outgoing_comment,))


def record_refusal(cur, live: str, run_id: str, kind: str, started_at, refused: SwapRefused) -> None:
    """A refused cutover or rollback as an audit step, with its reason (the caller commits)."""
    audit.record_step(cur, live, run_id, kind, started_at, "refused",
                      details={"reason": refused.reason, "writes": refused.writes}, message=refused.message)


def swap(
    conn,
    spec: Swap,
    *,
    started_at: datetime,
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
    retries: int = DEFAULT_RETRIES,
    on_retry: Callable[[int, float], None] | None = None,
) -> SwapResult:
    """Exchange the schemas in one transaction on `conn`; a refusal is recorded in the audit and re-raised."""
    result = SwapResult()
    timings: dict[str, float] = {}

    def work(cur) -> None:
        # the COMMIT releases the locks before the WAL flush; the flush is waited for below (module doc)
        cur.execute("set local synchronous_commit = off")
        _exchange(cur, spec, result, timings)
        details = {"attempts": result.attempts, "lock_timeout_ms": lock_timeout_ms,
                   "extensions_moved": result.extensions_moved, "extensions_left": result.extensions_left,
                   "extension_notes": result.extension_notes,
                   "privilege_statements": result.privilege_statements}
        audit.record_step(cur, spec.live, spec.run_id, spec.kind, started_at, "ok",
                          details=details | (spec.details() if spec.details else {}))

    try:
        locks.with_lock_retries(conn, work, lock_timeout_ms=lock_timeout_ms, retries=retries,
                                what=f"the {spec.kind} of {spec.live}", on_retry=on_retry)
    except SwapRefused as refused:
        with conn.cursor() as cur:
            record_refusal(cur, spec.live, spec.run_id, spec.kind, started_at, refused)
        conn.commit()
        raise
    committed = time.perf_counter()
    result.locked_at, result.committed_at = timings["locked"], committed
    result.lock_window_ms = (committed - timings["locked"]) * 1000
    result.lock_wait_ms = (timings["locked"] - timings["lock_requested"]) * 1000
    with conn.cursor() as cur:
        # this update changes the row the swap inserted: the transaction writes WAL, so its
        # synchronous commit waits for the flush of everything before it, the swap included
        audit.add_step_details(cur, spec.live, spec.run_id, spec.kind, {
            "lock_window_ms": round(result.lock_window_ms, 3), "lock_wait_ms": round(result.lock_wait_ms, 3)})
        if cur.rowcount != 1:  # the swap's own row, under the command lock: never expected
            raise RuntimeError(f"the audit row of the {spec.kind} {spec.run_id} is missing")
    conn.commit()
    if spec.capture_off_outgoing:
        try:  # no longer live: its triggers log writes nobody makes; prune removes them otherwise
            locks.with_lock_retries(conn, lambda cur: capture.remove(cur, spec.outgoing),
                                    lock_timeout_ms=lock_timeout_ms, retries=retries,
                                    what=f"removing change capture from {spec.outgoing}")
        except CheckFailed as busy:
            log.event(f"change capture stays on {spec.outgoing}: {busy.message}", run_id=spec.run_id, level=30)
    analyze(conn, spec.live, None if spec.analyze_tables is None else set(spec.analyze_tables()))
    return result


def analyze(conn, schema: str, only: set[str] | None = None) -> None:
    """Fresh statistics for the new live tables (outside the locks); `only`: just those."""
    old = conn.autocommit
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for table in db.tables_in(cur, schema):
                if only is not None and table not in only:
                    continue
                cur.execute(sql.SQL("analyze {}").format(sql.Identifier(schema, table)))
    finally:
        conn.autocommit = old
