"""Cutover: swap the built <live>_next into place in one transaction.

Before: preflight (state) and the backups (snapshots + pg_dump) — always.
In the transaction (lock_timeout, bounded retries with backoff):
  lock the live tables (EXCLUSIVE: writers wait, readers go on), the drift
  guard (no write since the stage snapshot, per the change capture), rename
  <live> -> <live>_archive_<run> and <live>_next -> <live>, move the
  relocatable extensions of the live schema, reproduce owner, grants and
  default privileges, install change capture on the new tables, audit row.
After commit: ANALYZE. The time the locks were held is measured and reported.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from psycopg2 import sql

from . import audit, backup, capture, db, locks, parity, reports, state
from .errors import CheckFailed, OutOfOrder
from .progress import Progress
from .schemas import Schemas

DEFAULT_LOCK_TIMEOUT_MS = 500
DEFAULT_RETRIES = 5


class DriftDetected(CheckFailed):
    def __init__(self, live: str, run_id: str, writes: dict[str, int]):
        self.writes = writes
        listed = ", ".join(f"{table} {count}" for table, count in writes.items())
        super().__init__(
            f"the live schema {live!r} changed since the stage of run {run_id} ({listed} writes); nothing was cut over. "
            "Way forward: `harness migrate --catch-up` (restage, rebuild, retry), or stop the application's writes first"
        )


@dataclass
class CutoverResult:
    run_id: str
    live_schema: str
    archive_schema: str
    lock_window_ms: float = 0.0
    lock_wait_ms: float = 0.0
    attempts: int = 0
    backup: backup.BackupResult | None = None
    extensions_moved: list[str] = field(default_factory=list)
    extensions_left: list[str] = field(default_factory=list)
    privilege_statements: int = 0
    seconds: float = 0.0
    report_path: str | None = None


def preflight(cur, schemas: Schemas) -> state.State:
    """Refuse out-of-order use with a one-line reason; return the state to cut over from."""
    current = state.describe(cur, schemas)
    if current.cutover:
        raise OutOfOrder(
            f"a cutover is already in place on schema {schemas.live!r} (run {current.cutover['run_id']}, "
            f"{current.cutover['finished_at']:%Y-%m-%d %H:%M:%S %Z}); roll it back first (`harness rollback`)"
        )
    if current.live_kind != "legacy":
        raise OutOfOrder(f"schema {schemas.live!r} is not a legacy ABParts schema ({current.live_kind}); nothing to cut over")
    if not current.next_exists or not current.build_run:
        raise OutOfOrder(f"nothing is built for schema {schemas.live!r}: run `harness build` (or `harness migrate`) first")
    if current.build_outcome != "ok":
        raise OutOfOrder(f"the last build (run {current.build_run}) failed: fix it and rebuild before cutting over")
    rolled_back = [s for s in current.steps if s["step"] == "rollback" and s["outcome"] == "ok"
                   and s["run_id"] == current.build_run]
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
    if capturing != current.build_run:
        raise OutOfOrder(
            f"change capture on {schemas.live!r} belongs to run {capturing}, not to the built run {current.build_run} "
            "(something restaged): rebuild with `harness build`"
        )
    if db.schema_exists(cur, schemas.archive(current.build_run)):
        raise OutOfOrder(f"schema {schemas.archive(current.build_run)!r} already exists; run `harness status`")
    return current


def _swap(cur, schemas: Schemas, run_id: str, snapshot: str, timings: dict, result: CutoverResult) -> None:
    live, archive, nxt = schemas.live, schemas.archive(run_id), schemas.next
    timings["lock_requested"] = time.perf_counter()
    locks.lock_tables(cur, live, db.tables_in(cur, live))
    timings["locked"] = time.perf_counter()
    writes = capture.writes_since(cur, live, "legacy", run_id, snapshot)
    if writes:
        raise DriftDetected(live, run_id, writes)
    before = parity.read(cur, live)
    cur.execute("select extname, extrelocatable from pg_extension where extnamespace = %s::regnamespace", (live,))
    extensions = cur.fetchall()
    cur.execute(sql.SQL("alter schema {} rename to {}").format(sql.Identifier(live), sql.Identifier(archive)))
    cur.execute(sql.SQL("alter schema {} rename to {}").format(sql.Identifier(nxt), sql.Identifier(live)))
    result.extensions_moved, result.extensions_left = [], []
    for name, relocatable in extensions:
        if relocatable:
            cur.execute(sql.SQL("alter extension {} set schema {}").format(sql.Identifier(name), sql.Identifier(live)))
            result.extensions_moved.append(name)
        else:
            result.extensions_left.append(name)
    statements = parity.statements(before, live, db.tables_in(cur, live), parity.owned_objects(cur, live))
    for statement in statements:
        cur.execute(statement)
    result.privilege_statements = len(statements)
    capture.install(cur, live, live, "target", run_id)
    # the archive is left exactly as it was (its comment too): a rollback puts it back as is


def cutover(
    target: db.Target,
    schemas: Schemas,
    *,
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
    retries: int = DEFAULT_RETRIES,
    progress: Progress | None = None,
) -> CutoverResult:
    progress = progress or Progress()
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    with db.connect(target) as conn, conn.cursor() as cur:
        audit.ensure(cur)
        current = preflight(cur, schemas)
        run_id = current.build_run
        snapshot = audit.run(cur, schemas.live, run_id)["snapshot"]
        conn.commit()
    result = CutoverResult(run_id=run_id, live_schema=schemas.live, archive_schema=schemas.archive(run_id))
    result.backup = backup.backup(target, schemas, run_id, progress)

    timings: dict[str, float] = {}
    progress.step("cleanup", "running", note="cutover: waiting for the locks")

    def on_retry(attempt: int, wait: float) -> None:
        progress.message(f"cutover: the live tables are busy (lock_timeout {lock_timeout_ms} ms); "
                         f"retry {attempt}/{retries} in {wait:.1f}s")

    def work(cur) -> None:
        result.attempts += 1
        _swap(cur, schemas, run_id, snapshot, timings, result)
        audit.record_step(
            cur, schemas.live, run_id, "cutover", started_at, "ok",
            details={"archive_schema": result.archive_schema, "backup": result.backup.__dict__,
                     "extensions_moved": result.extensions_moved, "extensions_left": result.extensions_left,
                     "privilege_statements": result.privilege_statements, "attempts": result.attempts,
                     "lock_timeout_ms": lock_timeout_ms},
        )

    with db.connect(target) as conn:
        try:
            locks.with_lock_retries(conn, work, lock_timeout_ms=lock_timeout_ms, retries=retries,
                                    what=f"the cutover of {schemas.live}", on_retry=on_retry)
        except DriftDetected as drift:
            with conn.cursor() as cur:
                audit.record_step(cur, schemas.live, run_id, "cutover", started_at, "refused",
                                  details={"drift": drift.writes}, message=drift.message)
            conn.commit()
            raise
        committed = time.perf_counter()
        result.lock_window_ms = (committed - timings["locked"]) * 1000
        result.lock_wait_ms = (timings["locked"] - timings["lock_requested"]) * 1000
        with conn.cursor() as cur:
            audit.add_step_details(cur, schemas.live, run_id, "cutover", {
                "lock_window_ms": round(result.lock_window_ms, 3), "lock_wait_ms": round(result.lock_wait_ms, 3)})
        conn.commit()
    analyze(target, schemas.live)
    result.seconds = time.perf_counter() - started
    progress.step("cleanup", "ok", note=f"cut over: locks held {result.lock_window_ms:.1f} ms; "
                  f"legacy kept as {result.archive_schema}")
    result.report_path = str(_record_in_report(result))
    return result


def analyze(target: db.Target, schema: str) -> None:
    with db.connect(target, autocommit=True) as conn, conn.cursor() as cur:
        for table in db.tables_in(cur, schema):
            cur.execute(sql.SQL("analyze {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))


def _record_in_report(result: CutoverResult):
    """Add the cutover to the run's migration report (or start one)."""
    existing = reports.find(result.run_id)
    document = {}
    for path in existing:
        if path.name.startswith("migration_report_"):
            document = reports.load(path)
    body = {k: v for k, v in document.items() if k not in ("report_version", "kind", "tool", "written_at")}
    body.setdefault("run_id", result.run_id)
    body.setdefault("live_schema", result.live_schema)
    body["outcome"] = "cut over"
    body["cutover"] = {
        "archive_schema": result.archive_schema,
        "lock_window_ms": round(result.lock_window_ms, 3),
        "lock_wait_ms": round(result.lock_wait_ms, 3),
        "attempts": result.attempts,
        "extensions_moved": result.extensions_moved,
        "extensions_left": result.extensions_left,
        "privilege_statements": result.privilege_statements,
        "backup": result.backup.__dict__ if result.backup else None,
        "seconds": round(result.seconds, 3),
    }
    return reports.write("migration", result.run_id, body)
