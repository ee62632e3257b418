"""Build: stage (optional) + dbt build of the whole target schema into <live>_next.

The live schema is only read (by the stage); everything is written to
<live>_stage, <live>_next and the audit. A fresh <live>_next is built
every time: rebuilding parents alone would drop their children's foreign keys.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from psycopg2 import sql

from harness.common.errors import CheckFailed, HarnessError, OutOfOrder
from harness.common.schemas import Schemas
from harness.db import audit, privileges
from harness.db import connection as db
from harness.dbt_bridge import checks, dbt_runner, project
from harness.flows import backup, seal, state
from harness.flows import stage as stage_mod
from harness.flows.progress import Progress
from harness.flows.schema_lock import holds_schema
from harness.reporting import reports


@dataclass
class BuildResult:
    run_id: str
    live_schema: str
    started_at: str
    finished_at: str = ""
    success: bool = False
    stage: stage_mod.StageResult | None = None
    dbt: dbt_runner.DbtRun | None = None
    target_row_counts: dict[str, int] = field(default_factory=dict)
    quarantine: list[dict] = field(default_factory=list)
    reconciliation: dict = field(default_factory=dict)
    steps: list[dict] = field(default_factory=list)
    report_path: str | None = None
    seconds: float = 0.0
    options: dict = field(default_factory=dict)
    checks: list = field(default_factory=list)
    database: str = ""
    reused: bool = False  # a migrate took this sealed build as it was (migrate.reusable_build)
    dbt_summary: dict = field(default_factory=dict)  # the dbt block of a build read back from its report

    def to_dict(self) -> dict:
        """The migration report's body; --json prints the same."""
        run = self.dbt
        return reports.jsonable(
            {
                "run_id": self.run_id,
                "live_schema": self.live_schema,
                "database": self.database,
                "started_at": self.started_at,
                "finished_at": self.finished_at,
                "outcome": "built" if self.success else "failed",
                "success": self.success,
                "options": self.options,
                "seconds": round(self.seconds, 3),
                "stage": self.stage.to_dict() if self.stage else None,
                "steps": self.steps,
                "dbt": self.dbt_summary
                if run is None and self.dbt_summary
                else {
                    "success": run.success if run else False,
                    "error": run.error if run else None,
                    "seconds": round(run.seconds, 3) if run else 0,
                    "status_counts": run.by_status() if run else {},
                    "failed": [{"node": o.unique_id, "message": o.message} for o in (run.failed if run else [])],
                    "warned": [{"node": o.unique_id, "message": o.message} for o in (run.warned if run else [])],
                },
                "validation": {"summary": checks.summary(self.checks), "checks": [c.as_dict() for c in self.checks]},
                "target_row_counts": self.target_row_counts,
                "quarantined_rows": self.quarantined_rows,
                "quarantine": {"total_rows": self.quarantined_rows, "groups": self.quarantine},
                "reconciliation": self.reconciliation,
                # what surrounds the legacy tables, as the stage read it (the cutover adds what it did)
                "surroundings": self.stage.surroundings if self.stage else [],
                "report": self.report_path,
            }
        )

    @classmethod
    def from_dict(cls, document: dict) -> BuildResult:
        """A build as its migration report holds it (a sealed build a migrate takes over)."""
        validation = document.get("validation") or {}
        return cls(
            run_id=document["run_id"],
            live_schema=document["live_schema"],
            started_at=document["started_at"],
            finished_at=document.get("finished_at") or "",
            success=bool(document.get("success")),
            stage=stage_mod.StageResult.from_dict(document["stage"]) if document.get("stage") else None,
            target_row_counts=document.get("target_row_counts") or {},
            quarantine=(document.get("quarantine") or {}).get("groups") or [],
            reconciliation=document.get("reconciliation") or {},
            steps=document.get("steps") or [],
            report_path=document.get("report"),
            seconds=float(document.get("seconds") or 0),
            options=document.get("options") or {},
            checks=[checks.Check.from_dict(c) for c in validation.get("checks") or []],
            database=document.get("database") or "",
            dbt_summary=document.get("dbt") or {},
        )

    @property
    def dbt_nodes(self) -> int:
        """The dbt nodes this build ran (a reused build ran none)."""
        return 0 if self.reused or self.dbt is None else len(self.dbt.outcomes)

    @property
    def quarantined_rows(self) -> int:
        return result_quarantine_rows(self.quarantine)

    def failure_summary(self) -> str:
        if self.dbt is None:
            return "the build did not run"
        server = self.dbt.server_failure()
        if server:  # the server's doing, not the models': said as that, whichever nodes it hit
            return server.message
        if self.dbt.error:
            return self.dbt.error
        failed = self.dbt.failed
        names = ", ".join(f"{o.resource_type} {o.name}" for o in failed[:5])
        more = f" and {len(failed) - 5} more" if len(failed) > 5 else ""
        return f"{len(failed)} dbt node(s) failed: {names}{more}"


def _read_relation(cur, schema: str, relation: str, order_by: str = "1") -> list[dict]:
    cur.execute("select to_regclass(%s)", (f'"{schema}"."{relation}"',))
    if cur.fetchone()[0] is None:
        return []
    return db.fetch_all(cur, sql.SQL("select * from {} order by " + order_by).format(sql.Identifier(schema, relation)))


def collect_results(cur, schemas: Schemas, run_id: str, target_tables: list[str]) -> tuple[dict, list[dict], dict]:
    counts: dict[str, int] = {}
    for table in target_tables:
        cur.execute("select to_regclass(%s)", (f'"{schemas.next}"."{table}"',))
        if cur.fetchone()[0] is not None:
            counts[table] = db.count_rows(cur, schemas.next, table)
    quarantine: list[dict] = []
    cur.execute("select to_regclass(%s)", (f'"{schemas.stage}"."migration_quarantine"',))
    if cur.fetchone()[0] is not None:
        audit.replace_quarantine(cur, schemas.live, run_id, schemas.stage)
        quarantine = db.fetch_all(
            cur,
            sql.SQL(
                "select source_table, reason_code, severity, count(*) as rows,"
                " (array_agg(source_id::text order by source_id))[1:5] as example_ids,"
                " min(detail) as example_detail"
                " from {}.migration_quarantine group by 1, 2, 3 order by 3, 1, 2"
            ).format(sql.Identifier(schemas.stage)),
        )
    reconciliation = {
        "row_counts": _read_relation(cur, schemas.stage, "reconciliation_row_counts"),
        "totals": _read_relation(cur, schemas.stage, "reconciliation_totals", order_by="1, 2"),
        "stock": _reconciliation_summary(cur, schemas, "reconciliation_stock"),
        "ledger": _reconciliation_summary(cur, schemas, "reconciliation_ledger"),
        "part_classification": _read_relation(cur, schemas.stage, "part_classification", order_by="1, 2, 3"),
    }
    return counts, quarantine, reconciliation


RECONCILIATION_TOTALS = {
    "reconciliation_stock": (
        "count(*) as pairs, coalesce(sum(legacy_stock), 0) as legacy_total,"
        " coalesce(sum(migrated_stock), 0) as migrated_total, coalesce(sum(quarantined_stock), 0) as quarantined_total,"
        " count(*) filter (where difference <> 0) as mismatched_pairs"
    ),
    "reconciliation_ledger": (
        "count(*) as positions, coalesce(sum(ledger_sum), 0) as ledger_total,"
        " coalesce(sum(current_stock), 0) as inventory_total, coalesce(sum(ledger_entries), 0) as ledger_entries,"
        " count(*) filter (where difference <> 0) as mismatched_positions"
    ),
}


def _reconciliation_summary(cur, schemas: Schemas, relation: str) -> dict:
    """Totals of a reconciliation model, side by side, and its 20 largest differences."""
    cur.execute("select to_regclass(%s)", (f'"{schemas.stage}"."{relation}"',))
    if cur.fetchone()[0] is None:
        return {}
    table = sql.SQL("{}.{}").format(sql.Identifier(schemas.stage), sql.Identifier(relation))
    summary = db.fetch_all(cur, sql.SQL("select " + RECONCILIATION_TOTALS[relation] + " from {}").format(table))[0]
    summary["mismatches"] = db.fetch_all(
        cur, sql.SQL("select * from {} where difference <> 0 order by abs(difference) desc limit 20").format(table)
    )
    return summary


@holds_schema("build")
def build(
    target: db.Target,
    schemas: Schemas,
    *,
    stage_first: bool = True,
    force: bool = False,
    strict: bool = False,
    progress: Progress | None = None,
    mode: str = "build",
    capture: bool | None = None,
) -> BuildResult:
    """Stage (unless stage_first=False) and build the whole target into <live>_next.

    capture: install change capture on the live tables when staging (default:
    yes, except for a dry run, which must leave the live schema untouched).
    The build is an audit step that is 'running' before <live>_next is touched;
    only a finished, successful build is sealed (read-only, fingerprinted) and
    can be cut over."""
    progress = progress or Progress()
    capture = (mode != "dry-run") if capture is None else capture
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    with db.connect(target) as conn, conn.cursor() as cur:
        privileges.require(cur, schemas, "audit")  # before the audit is first read
        state.require_legacy_live(cur, schemas, "build")
        stage_mod.check_live_is_legacy(cur, schemas)
        privileges.require(cur, schemas, "build" if capture else "dry-run")
        audit.ensure(cur)
        conn.commit()
        latest = audit.latest_run(cur, schemas.live)
    stage_result = None
    if stage_first:
        progress.step("validate", "running", note="staging a consistent snapshot")
        stage_result = stage_mod.stage(target, schemas, capture=capture)
        run_id = stage_result.run_id
        progress.step(
            "validate",
            "running",
            rows=sum(stage_result.row_counts.values()),
            seconds=stage_result.seconds,
            note=f"staged run {run_id} ({sum(stage_result.row_counts.values()):,} legacy rows)",
        )
    else:
        if latest is None:
            raise OutOfOrder("nothing is staged for this live schema; run `harness stage` or drop --no-stage")
        with db.connect(target) as conn, conn.cursor() as cur:
            if not db.schema_exists(cur, schemas.stage):
                raise OutOfOrder(f"the stage schema {schemas.stage!r} is gone; run `harness stage` or drop --no-stage")
        run_id = latest["run_id"]
    result = BuildResult(
        run_id=run_id,
        live_schema=schemas.live,
        started_at=started_at.isoformat(),
        stage=stage_result,
        options={"mode": mode, "force": force, "strict": strict, "stage": stage_first},
        database=target.redacted(),
    )
    with db.connect(target, autocommit=True) as conn, conn.cursor() as cur:
        step_id = audit.begin_step(
            cur,
            schemas.live,
            run_id,
            mode,
            started_at,
            {"force": force, "strict": strict, "pid": os.getpid(), "project_digest": dbt_runner.project_digest()},
        )
        db.drop_schema(cur, schemas.next)
    try:
        run = _run_dbt(target, schemas, progress, force, strict, snapshots=capture)
        result.dbt = run
        dbt_project = project.load(run.manifest) if not run.error and run.manifest.exists() else None
        if dbt_project and dbt_project.problems():
            raise project.ProjectError(f"the dbt project breaks the harness's rules: {dbt_project.problems()[0]}")
        progress.tracker.close_open_phases(run.success)
        if not run.error:
            result.checks = checks.collect(target, [run])
        cleanup_started = time.perf_counter()
        facts = seal.seal(target, schemas, run_id) if run.success else None
        snapshot_rows = backup.snapshot_rows(target, schemas, run) if run.success and capture else None
    except BaseException as exc:
        _abandon(target, schemas, step_id, exc)
        raise
    with db.connect(target) as conn, conn.cursor() as cur:
        counts, quarantine, reconciliation = collect_results(
            cur, schemas, run_id, dbt_project.target_tables() if dbt_project else []
        )
        result.target_row_counts, result.quarantine, result.reconciliation = counts, quarantine, reconciliation
        result.success = run.success
        progress.step(
            "cleanup",
            "ok" if run.success else "failed",
            seconds=time.perf_counter() - cleanup_started,
            note=f"{result_quarantine_rows(quarantine):,} quarantined rows kept in the audit" if quarantine else "",
        )
        result.steps = progress.tracker.summary()
        result.seconds = time.perf_counter() - started
        audit.finish_step(
            cur,
            step_id,
            "ok" if run.success else "failed",
            row_counts=counts,
            details={
                "quarantined_rows": result.quarantined_rows,
                "dbt_status": run.by_status(),
                "failed_nodes": [o.name for o in run.failed],
                "seconds": round(result.seconds, 3),
                "fingerprint": facts,
                "snapshot_rows": snapshot_rows,  # the backups' dbt snapshots, taken by this build
            },
            message=None if run.success else result.failure_summary(),
        )
        conn.commit()
    result.finished_at = datetime.now(UTC).isoformat()
    result.report_path = str(reports.path_of("migration", run_id))
    write_report(result)
    return result


def _run_dbt(
    target: db.Target, schemas: Schemas, progress: Progress, force: bool, strict: bool, snapshots: bool
) -> dbt_runner.DbtRun:
    """One `dbt build` of the whole project. With `snapshots` (a build that can be cut over), the dbt
    snapshots of the staged legacy tables are taken in the same run: they are the backups the cutover
    needs, and a snapshot run of their own would cost dbt's start-up again."""
    if snapshots:
        progress.step("backup", "running", note="dbt snapshots with the build; pg_dump at the cutover")
    else:
        progress.step("backup", "skipped", note="no cutover from a dry run: no backup")
    return dbt_runner.invoke(
        "build",
        target,
        schemas,
        args=([] if snapshots else ["--exclude", "resource_type:snapshot"])
        + ["--log-level", "none", "--log-level-file", dbt_runner.file_log_level()],
        modes=tuple(mode for mode, on in (("force", force), ("strict", strict)) if on),
        on_node=progress.on_node,
    )


def _abandon(target: db.Target, schemas: Schemas, step_id: int, exc: BaseException) -> None:
    """Record a build that did not finish (interrupted, or an unexpected error) before it propagates."""
    outcome = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
    try:
        with db.connect(target, autocommit=True) as conn, conn.cursor() as cur:
            audit.finish_step(cur, step_id, outcome, message=f"{type(exc).__name__}: {exc}"[:300])
            if db.schema_exists(cur, schemas.next):
                cur.execute(
                    sql.SQL("comment on schema {} is %s").format(sql.Identifier(schemas.next)),
                    (f"abparts-migrate target schema, build {outcome}: never cut over",),
                )
    except Exception:  # noqa: BLE001 - the original error is what the operator must see
        pass


def result_quarantine_rows(groups: list[dict]) -> int:
    return sum(g["rows"] for g in groups)


def write_report(result: BuildResult):
    return reports.write("migration", result.run_id, result.to_dict())


def require_success(result: BuildResult) -> None:
    if not result.success:
        server = result.dbt.server_failure() if result.dbt else None
        if server:
            raise type(server)(f"build of run {result.run_id} stopped: {server.message}; report: {result.report_path}")
        if result.dbt and result.dbt.error:
            raise HarnessError(f"build of run {result.run_id} could not run: {result.dbt.error}")
        raise CheckFailed(
            f"build of run {result.run_id} failed: {result.failure_summary()}; report: {result.report_path}"
        )
