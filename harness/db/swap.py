"""The one transaction that exchanges two schemas, and every schema rename of the harness.

A cutover puts <live>_next in place of the live schema, a rollback puts the archive back:
the same transaction, in the same order, `exchange()` below. The two differ in two places
only, which each flow passes in: what it does to the incoming schema before the live tables
are locked (`prepare`), and its guard under the locks (`guard`, which may refuse). In order,
under lock_timeout with bounded retries (locks.py):

  1. lock_incoming    the incoming schema's tables (nobody uses them yet)
  2. prepare          the flow's: a cutover checks the target is as sealed, takes its read-only
                      guard off, puts change capture on and gives it the legacy privileges; a
                      rollback takes the capture off the legacy tables
  3. survey           what surrounds the swapped tables (surroundings.py), read before the live
                      tables are locked: a carried object whose name the incoming schema has
                      refuses; so does a dependant or an integrity rule the incoming tables lack,
                      unless the DBA's SQL is given to handle them
  4. lock_live        every table of the live schema, EXCLUSIVE (writers wait, readers go on):
                      the lock window, which holds only what follows
  5. guard            the flow's: refuse (SwapRefused, nothing changes) or go on; a rollback
                      carries the writes made since the cutover back here
  6. recheck          the survey's catalog as it is under the locks: unchanged (one cheap query),
                      or surveyed again
  7. rename           <live> -> outgoing, incoming -> <live>
  8. move_extensions  the live schema's extensions follow it where the role may move them
  9. carry            the application's own objects (its tables, and what they need) follow the
                      live schema: from outgoing, where the renames left them, into <live>
 10. dba_sql          the DBA's SQL (--after-swap, --after-rollback): views and foreign keys
                      re-pointed, rules recreated; a failure rolls the whole swap back
 11. settle           every dependant and rule handled, verified in the catalog, or refuse;
                      then the flow's `verify`, if any (a cutover: the row-level security the
                      DBA's SQL had to recreate)
 12. record           the audit row of the step
Its COMMIT releases the locks without waiting for the WAL flush (synchronous_commit off for
that transaction only); then the lock window goes into the audit row in a transaction that
commits synchronously, so the swap is durable before exchange() returns. What follows the
swap (ANALYZE, capture off the outgoing tables) is the flow's.

A refusal before any lock (`refuse_early`) is recorded the same way as one under the locks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import psycopg2
import psycopg2.errors
from psycopg2 import sql

from harness.common import faults
from harness.common.errors import CheckFailed
from harness.db import audit, locks, surroundings
from harness.db import connection as db
from harness.db.surroundings import DbaSql, Surroundings

DEFAULT_LOCK_TIMEOUT_MS = 500
DBA_SQL_OPTION = {"cutover": "--after-swap", "rollback": "--after-rollback"}
DEFAULT_RETRIES = 5
Step = Callable[..., None]  # step(cur): part of the swap's transaction


class SwapRefused(CheckFailed):
    """A guard said no under the locks; nothing was changed. `reason` says which guard."""

    def __init__(self, reason: str, message: str, writes: dict[str, int] | None = None, *, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.reason = reason
        self.writes = writes or {}


@dataclass
class SwapResult:
    attempts: int = 0
    lock_window_ms: float = 0.0
    lock_wait_ms: float = 0.0
    extensions_moved: list[str] = field(default_factory=list)
    extensions_left: list[str] = field(default_factory=list)
    extension_notes: dict[str, str] = field(default_factory=dict)  # why one was left
    locked_at: float = 0.0  # time.perf_counter() when the live tables were locked, and at the commit
    committed_at: float = 0.0
    lock_requested_at: float = 0.0
    surroundings: Surroundings | None = None  # as read under the locks
    carried: list[str] = field(default_factory=list)  # what the carry moved, as it was named
    dba_sql_ms: float = 0.0  # the DBA's SQL, inside the lock window


def exchange(
    conn,
    kind: str,
    *,
    live: str,
    run_id: str,
    incoming: str,
    outgoing: str,
    prepare: Step,
    guard: Step,
    details: Callable[[], dict],
    verify: Step | None = None,
    started_at: datetime,
    extensions: list[str] | None = None,
    carry: list[dict] | None = None,
    dba_sql: DbaSql | None = None,
    drop_rules: tuple[str, ...] = (),
    outgoing_comment: str | None = None,
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
    retries: int = DEFAULT_RETRIES,
    on_retry: Callable[[int, float], None] | None = None,
    on_locked: Callable[[], None] | None = None,
) -> SwapResult:
    """`incoming` becomes <live>, <live> becomes `outgoing`, in one transaction on `conn` (the module
    docstring). extensions: those to move along (None: every one of the live schema); carry: the
    application's objects to move along (None: every one of the live schema, as surroundings.read
    finds them; a rollback passes what its cutover carried); dba_sql: the DBA's SQL, run after the
    renames; drop_rules: the integrity rules --drop-rule names; verify(cur): the flow's own check of what
    the DBA's SQL had to do, after settle (may refuse); details(): more for the audit row;
    on_locked(): told when the live tables are locked (load tests, scripts)."""
    result = SwapResult()

    def transaction(cur) -> None:
        cur.execute("set local synchronous_commit = off")  # the flush is waited for after the commit
        result.attempts += 1
        lock_incoming(cur, incoming)
        prepare(cur)
        moving = extensions if extensions is not None else extensions_of(cur, live)
        surveyed = dict(live=live, incoming=incoming, carry=carry, dba_sql=dba_sql, drop_rules=drop_rules)
        around = survey(cur, kind, **surveyed)
        lock_live(cur, live, result)
        faults.point(f"swap:{kind}-locked")
        if on_locked:
            on_locked()
        guard(cur)
        around = recheck(cur, kind, around, **surveyed)
        rename(cur, live=live, outgoing=outgoing, incoming=incoming, outgoing_comment=outgoing_comment)
        move_extensions(cur, outgoing, live, moving, result)
        result.carried = surroundings.carry(cur, around.carried, live)
        run_dba_sql(cur, kind, dba_sql, result)
        settle(cur, kind, around, live=live, outgoing=outgoing, dba_sql=dba_sql)
        if verify:
            verify(cur)
        result.surroundings = around
        record(cur, kind, live, run_id, started_at, lock_timeout_ms, result, details())

    try:
        locks.with_lock_retries(
            conn,
            transaction,
            lock_timeout_ms=lock_timeout_ms,
            retries=retries,
            what=f"the {kind} of {live}",
            on_retry=on_retry,
        )
    except SwapRefused as refused:
        with conn.cursor() as cur:
            record_refusal(cur, live, run_id, kind, started_at, refused)
        conn.commit()
        raise
    record_window(conn, kind, live, run_id, result)
    return result


def refuse_early(conn, kind: str, live: str, run_id: str, started_at: datetime, guard: Step) -> None:
    """A guard run before any lock (and before backups are taken for nothing): its refusal is
    recorded as one under the locks would be. The guard under the locks is the one that counts."""
    with conn.cursor() as cur:
        try:
            guard(cur)
        except SwapRefused as refused:
            record_refusal(cur, live, run_id, kind, started_at, refused)
            conn.commit()
            raise


# ---------------------------------------------------------------- the steps, in order


def lock_incoming(cur, incoming: str) -> None:
    tables = db.tables_in(cur, incoming)
    if tables:
        locks.lock_tables(cur, incoming, tables, mode="access exclusive")


def extensions_of(cur, schema: str) -> list[str]:
    cur.execute("select extname from pg_extension where extnamespace = %s::regnamespace", (schema,))
    return [r[0] for r in cur.fetchall()]


def lock_live(cur, live: str, result: SwapResult) -> None:
    result.lock_requested_at = time.perf_counter()
    locks.lock_tables(cur, live, db.tables_in(cur, live))
    result.locked_at = time.perf_counter()


def survey(
    cur,
    kind: str,
    *,
    live: str,
    incoming: str,
    carry: list[dict] | None,
    dba_sql: DbaSql | None,
    drop_rules: tuple[str, ...],
) -> Surroundings:
    """What surrounds the swapped tables, as it is now (`refuse_early` runs it before any lock too):
    refuses what the swap cannot do (surroundings.Surroundings.refusals)."""
    around = surroundings.read(cur, live, incoming=incoming, carried=carry, drop_rules=drop_rules)
    refused = around.refusals(with_sql=dba_sql is not None)
    if refused:
        raise surroundings_refusal(kind, live, refused)
    return around


def recheck(cur, kind: str, around: Surroundings, **surveyed) -> Surroundings:
    """Under the locks: what the survey read, unless its catalog changed since (then surveyed again)."""
    if surroundings.signature(cur, surveyed["live"]) == around.signature:
        return around
    return survey(cur, kind, **surveyed)


def surroundings_refusal(kind: str, live: str, items: list[surroundings.Item], dba_sql: DbaSql | None = None):
    """One line naming the objects, and a line per object with its definition now (the hint)."""
    flag = DBA_SQL_OPTION[kind]
    done = "nothing was cut over" if kind == "cutover" else "nothing was rolled back"
    listed = ", ".join(f"{i.type} {i.object}" for i in items[:6]) + (
        f" and {len(items) - 6} more" if len(items) > 6 else ""
    )
    kinds = {i.action for i in items}
    ways = []
    if surroundings.DEPENDANT in kinds:
        ways.append(f"recreate or re-point each dependant in {flag} FILE (their definitions now: below), or drop it")
    if surroundings.RULE in kinds:
        ways.append(f"recreate each integrity rule on the new table in {flag} FILE, or name it with --drop-rule NAME")
    if surroundings.COLLISION in kinds:
        ways.append("rename the application's object whose name the incoming schema has")
    if dba_sql is not None:
        message = (
            f"{flag} {dba_sql.path} left {len(items)} object(s) around the {live} tables unhandled: {listed}; the "
            f"whole swap was rolled back, {done}. Way forward: " + "; ".join(ways)
        )
    else:
        message = (
            f"the {kind} of {live} cannot take along {len(items)} object(s) around its tables: {listed}; {done}. "
            "Way forward: " + "; ".join(ways) + " (docs/runbook.md#what-else-is-in-your-database)"
        )
    return SwapRefused("surroundings", message, hint="\n".join(i.line() for i in items))


def run_dba_sql(cur, kind: str, dba_sql: DbaSql | None, result: SwapResult) -> None:
    """The DBA's SQL, after the renames and the carry, inside the swap's transaction (and its lock
    window). A lock it cannot get retries the whole swap; any other error refuses it: nothing changes."""
    if dba_sql is None:
        return
    started = time.perf_counter()
    try:
        cur.execute(dba_sql.sql)
    except psycopg2.Error as failed:
        if failed.pgcode in locks.LOCK_ERRORS:
            raise
        done = "nothing was cut over" if kind == "cutover" else "nothing was rolled back"
        why = (failed.diag.message_primary or str(failed)).strip()
        raise SwapRefused(
            "dba_sql_failed",
            f"{DBA_SQL_OPTION[kind]} {dba_sql.path} failed: {why}; the whole swap was rolled back, {done}",
        ) from None
    result.dba_sql_ms = (time.perf_counter() - started) * 1000


def settle(cur, kind: str, around: Surroundings, *, live: str, outgoing: str, dba_sql: DbaSql | None) -> None:
    """Every dependant and integrity rule handled once the DBA's SQL ran, read from the catalog."""
    if dba_sql is None:
        return  # none to handle: the survey refused otherwise
    left = surroundings.unsettled(cur, around, live=live, outgoing=outgoing)
    if left:
        raise surroundings_refusal(kind, live, left, dba_sql)


def rename(cur, *, live: str, outgoing: str, incoming: str, outgoing_comment: str | None = None) -> None:
    rename_schema(cur, live, outgoing)
    rename_schema(cur, incoming, live)
    if outgoing_comment:
        cur.execute(sql.SQL("comment on schema {} is %s").format(sql.Identifier(outgoing)), (outgoing_comment,))


def rename_schema(cur, old: str, new: str) -> None:
    cur.execute(sql.SQL("alter schema {} rename to {}").format(sql.Identifier(old), sql.Identifier(new)))


def move_extensions(cur, outgoing: str, live: str, names: list[str], result: SwapResult) -> None:
    """Extensions follow the live schema where the role may move them. The target needs none
    (its defaults use the core gen_random_uuid()), so one the role may not move — a trusted
    extension whose member objects belong to the bootstrap superuser — or that cannot move
    stays where it is, with the schema it came with, and is reported; never a failed swap."""
    cur.execute(
        "select extname, extrelocatable from pg_extension where extnamespace = %s::regnamespace order by extname",
        (outgoing,),
    )
    for name, relocatable in cur.fetchall():
        if name not in names:
            continue
        if not relocatable:
            result.extensions_left.append(name)
            result.extension_notes[name] = "not relocatable"
            continue
        cur.execute("savepoint move_extension")
        try:
            cur.execute(sql.SQL("alter extension {} set schema {}").format(sql.Identifier(name), sql.Identifier(live)))
        except psycopg2.errors.InsufficientPrivilege as refused:
            cur.execute("rollback to savepoint move_extension")
            result.extensions_left.append(name)
            result.extension_notes[name] = (refused.diag.message_primary or "not allowed").strip()
            continue
        cur.execute("release savepoint move_extension")
        result.extensions_moved.append(name)


def record(
    cur,
    kind: str,
    live: str,
    run_id: str,
    started_at: datetime,
    lock_timeout_ms: int,
    result: SwapResult,
    details: dict,
) -> None:
    """The audit row of the step, in the swap's transaction."""
    audit.record_step(
        cur,
        live,
        run_id,
        kind,
        started_at,
        "ok",
        details={
            "attempts": result.attempts,
            "lock_timeout_ms": lock_timeout_ms,
            "extensions_moved": result.extensions_moved,
            "extensions_left": result.extensions_left,
            "extension_notes": result.extension_notes,
            # what a rollback carries back; the whole inventory is in the run's report
            "carried": result.surroundings.record() if result.surroundings else [],
            "dba_sql_ms": round(result.dba_sql_ms, 3),
        }
        | details,
    )


def record_refusal(cur, live: str, run_id: str, kind: str, started_at, refused: SwapRefused) -> None:
    """A refused cutover or rollback as an audit step, with its reason (the caller commits)."""
    audit.record_step(
        cur,
        live,
        run_id,
        kind,
        started_at,
        "refused",
        details={"reason": refused.reason, "writes": refused.writes}
        | ({"objects": refused.hint.splitlines()} if refused.hint else {}),
        message=refused.message,
    )


def record_window(conn, kind: str, live: str, run_id: str, result: SwapResult) -> None:
    """After the swap's commit: the lock window into its audit row, committed synchronously. The
    update changes the row the swap inserted, so this transaction writes WAL and its commit waits
    for the flush of everything before it, the swap included: it is durable when this returns."""
    result.committed_at = time.perf_counter()
    result.lock_window_ms = (result.committed_at - result.locked_at) * 1000
    result.lock_wait_ms = (result.locked_at - result.lock_requested_at) * 1000
    with conn.cursor() as cur:
        audit.add_step_details(
            cur,
            live,
            run_id,
            kind,
            {"lock_window_ms": round(result.lock_window_ms, 3), "lock_wait_ms": round(result.lock_wait_ms, 3)},
        )
        if cur.rowcount != 1:  # the swap's own row, under the command lock: never expected
            raise RuntimeError(f"the audit row of the {kind} {run_id} is missing")
    conn.commit()


# ---------------------------------------------------------------- after the swap (the flows call these)


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
