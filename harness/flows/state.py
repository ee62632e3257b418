"""Where a live schema is in its migration, read from migration_audit and the
catalog: staged / built / cut over / rolled back, with run ids and times.
Commands ask this module before acting and refuse out-of-order use with a
one-line reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.common.errors import OutOfOrder, UsageError
from harness.common.schemas import Schemas
from harness.db import audit, capture, locks, surroundings
from harness.db import connection as db
from harness.reporting import reports

BUILD_STEPS = ("build", "dry-run")


@dataclass
class State:
    live: str
    live_kind: str  # legacy | target | missing | other
    stage_run: str | None = None
    stage_exists: bool = False
    build_run: str | None = None
    build_outcome: str | None = None
    build_finished_at: Any = None
    build_step: dict | None = None  # the latest build's audit row (its details hold the fingerprint)
    next_exists: bool = False
    cutover: dict | None = None  # the cutover in place, if any
    last_rollback: dict | None = None
    steps: list[dict] = field(default_factory=list)
    # filled by status(): what `harness status` shows besides the state machine
    database: str = ""
    capturing_run: str | None = None
    kept: list[dict] = field(default_factory=list)
    surroundings: list[dict] = field(default_factory=list)  # what surrounds the live tables (surroundings.py)

    def to_dict(self) -> dict:
        """What `harness status` prints (as a table, or as JSON with --json)."""
        return reports.jsonable(
            {
                "database": self.database,
                "live_schema": self.live,
                "live_holds": self.live_kind,
                "phase": self.phase,
                "stage": {"run_id": self.stage_run, "exists": self.stage_exists},
                "build": {
                    "run_id": self.build_run,
                    "outcome": self.build_outcome,
                    "finished_at": self.build_finished_at,
                    "schema_exists": self.next_exists,
                },
                "cutover": None
                if not self.cutover
                else {
                    "run_id": self.cutover["run_id"],
                    "at": self.cutover["finished_at"],
                    "details": self.cutover.get("details"),
                },
                "post_validation": self.post_validation,
                "last_rollback": None
                if not self.last_rollback
                else {"run_id": self.last_rollback["run_id"], "at": self.last_rollback["finished_at"]},
                "change_capture_on_live": self.capturing_run,
                "kept_schemas": self.kept,
                "surroundings": self.surroundings,
                "history": [
                    {"run_id": s["run_id"], "step": s["step"], "outcome": s["outcome"], "at": s["finished_at"]}
                    for s in self.steps[-12:]
                ],
            }
        )

    @property
    def post_validation(self) -> str | None:
        """Of the cutover in place: passed, failed, not finished (its migrate died), or not run."""
        if not self.cutover:
            return None
        after = [
            s
            for s in self.steps
            if s["step"] == "validate-post"
            and s["run_id"] == self.cutover["run_id"]
            and s["finished_at"]
            and s["finished_at"] >= self.cutover["finished_at"]
        ]
        if after:
            return "passed" if after[-1]["outcome"] == "ok" else "failed"
        pending = (self.cutover.get("details") or {}).get("post_validation") == "pending"
        return "not finished" if pending else "not run"

    @property
    def phase(self) -> str:
        if self.cutover:
            return "cut over"
        if self.build_outcome == "running":
            return "building"
        if self.build_outcome == "interrupted":
            return "build interrupted"
        if self.next_exists and self.build_outcome == "ok":
            return "built"
        if self.next_exists and self.build_outcome:
            return "build failed"
        if self.last_rollback:
            return "rolled back"
        if self.stage_exists and self.stage_run:
            return "staged"
        return "not started"


def live_kind(cur, schemas: Schemas) -> str:
    if not db.schema_exists(cur, schemas.live):
        return "missing"
    tables = set(db.tables_in(cur, schemas.live))
    if {"warehouses", "transactions"} <= tables:
        return "target"
    if {"organizations", "users", "inventory"} <= tables:
        return "legacy"
    return "other"


def describe(cur, schemas: Schemas) -> State:
    steps = audit.steps_of(cur, schemas.live)
    current = State(live=schemas.live, live_kind=live_kind(cur, schemas), steps=steps)
    current.stage_exists = db.schema_exists(cur, schemas.stage)
    current.next_exists = db.schema_exists(cur, schemas.next)
    for step in steps:
        name, outcome = step["step"], step["outcome"]
        if name == "stage" and outcome == "ok":
            current.stage_run = step["run_id"]
        elif name in BUILD_STEPS:
            current.build_run, current.build_outcome = step["run_id"], outcome
            current.build_finished_at, current.build_step = step["finished_at"], step
        elif name == "cutover" and outcome == "ok":
            current.cutover, current.last_rollback = step, None
        elif name == "rollback" and outcome == "ok":
            current.cutover, current.last_rollback = None, step
    if current.build_outcome == "running" and locks.holder(cur, schemas.live) is None:
        current.build_outcome = "interrupted"  # its process is gone: killed, or the machine went down
    return current


def kept_schemas(cur, schemas: Schemas) -> list[dict]:
    """The archives and rolled-back targets of a live schema, with their comments."""
    cur.execute(
        "select nspname, obj_description(oid, 'pg_namespace') from pg_namespace where nspname like %s "
        "or nspname like %s order by 1",
        (f"{schemas.live}\\_archive\\_%", f"{schemas.live}\\_rolledback\\_%"),
    )
    return [{"schema": name, "comment": comment} for name, comment in cur.fetchall()]


def status(target: db.Target, schemas: Schemas) -> State:
    """describe(), plus the database, the change capture on the live tables and the kept schemas."""
    with db.connect(target) as conn, conn.cursor() as cur:
        current = describe(cur, schemas)
        current.database = target.redacted()
        current.capturing_run = capture.installed_run(cur, schemas.live)
        current.kept = kept_schemas(cur, schemas)
        current.surroundings = surroundings_now(cur, schemas, current)
    return current


def surroundings_now(cur, schemas: Schemas, current: State) -> list[dict]:
    """What surrounds the live tables and what the next swap would do with each: the cutover's, while the
    legacy schema is live (compared with the target if one is built); a rollback's, while cut over."""
    if current.cutover:
        archive = schemas.archive(current.cutover["run_id"])
        carried = (current.cutover.get("details") or {}).get("carried", [])
        incoming = archive if db.schema_exists(cur, archive) else None
        return surroundings.read(cur, schemas.live, incoming=incoming, carried=carried).to_dict()
    if current.live_kind != "legacy":
        return []
    incoming = schemas.next if current.next_exists and current.build_outcome == "ok" else None
    return surroundings.read(cur, schemas.live, incoming=incoming).to_dict()


def require_live_exists(cur, schemas: Schemas) -> None:
    """The same answer from every command: a live schema that does not exist is a usage error."""
    if not db.schema_exists(cur, schemas.live):
        raise UsageError(
            f"schema {schemas.live!r} does not exist in this database (--schema names the live "
            "schema; `harness status` shows what the database holds)"
        )


def require_legacy_live(cur, schemas: Schemas, command: str) -> State:
    current = describe(cur, schemas)
    if current.cutover or current.live_kind == "target":
        run = current.cutover["run_id"] if current.cutover else "?"
        raise OutOfOrder(
            f"a cutover is in place on schema {schemas.live!r} (run {run}): `harness {command}` needs the legacy "
            "schema; roll back first (`harness rollback`)"
        )
    if current.live_kind == "missing":
        require_live_exists(cur, schemas)
    return current


@dataclass
class PostTarget:
    run_id: str
    target_schema: str
    source_schema: str


def post_validation_target(cur, schemas: Schemas) -> PostTarget:
    """What --phase post validates: the cut-over live schema, else the built <live>_next."""
    current = describe(cur, schemas)
    if current.cutover:
        run_id = current.cutover["run_id"]
        if current.stage_exists and current.stage_run == run_id:
            # the snapshot the target was built from, equal to the archive (the drift guard held at the
            # swap); one name for every run keeps dbt's parse of the project warm (a full parse is seconds)
            return PostTarget(run_id, schemas.live, schemas.stage)
        archive = schemas.archive(run_id)
        if not db.schema_exists(cur, archive):
            raise OutOfOrder(f"the archive {archive!r} of the cutover is gone (pruned?); post validation needs it")
        return PostTarget(run_id, schemas.live, archive)
    if not (current.next_exists and current.build_run):
        raise OutOfOrder(f"nothing is built for schema {schemas.live!r}: run `harness build` first")
    if current.build_outcome != "ok":
        raise OutOfOrder(f"the last build (run {current.build_run}) failed: fix it and rebuild first")
    if not current.stage_exists or current.stage_run != current.build_run:
        raise OutOfOrder(
            f"the stage was replaced after the build (stage run {current.stage_run}, build run {current.build_run}): "
            "rebuild with `harness build`"
        )
    return PostTarget(current.build_run, schemas.next, schemas.stage)
