"""Validation before and after the migration, as dbt tests with severities.

pre  — stage a fresh snapshot, then build seeds, staging, intermediate and
       quarantine relations in <live>_stage and run every check on them.
       The target schema is not touched.
post — rebuild the work relations from the legacy snapshot the target was
       built from and run every check on the target tables in place
       (<live>_next, or the live schema after a cutover), reading only.
Every run writes reports/validation_report_<run_id>.json. Each phase is one
`dbt build` of a named selection of the dbt project (selectors.yml,
project.py) in report mode: no check fails its dbt node, so dbt skips
nothing downstream of a finding and every check runs; what blocks is
decided here from each check's severity (macros/checks.sql, checks.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from . import audit, checks, db, dbt_runner, locks, privileges, project, reports, state
from . import stage as stage_mod
from .errors import HarnessError, OutOfOrder
from .progress import Progress
from .schemas import Schemas


@dataclass
class ValidationResult:
    run_id: str
    phase: str
    live_schema: str
    target_schema: str | None
    started_at: str
    checks: list[checks.Check] = field(default_factory=list)
    seconds: float = 0.0
    report_path: str | None = None
    dbt_errors: list[str] = field(default_factory=list)
    database: str = ""

    def to_dict(self) -> dict:
        """The validation report's body; --json prints the same."""
        return reports.jsonable({
            "run_id": self.run_id, "phase": self.phase, "live_schema": self.live_schema,
            "target_schema": self.target_schema, "database": self.database, "started_at": self.started_at,
            "seconds": round(self.seconds, 3), "verdict": self.summary["verdict"], "summary": self.summary,
            "dbt_errors": self.dbt_errors, "checks": [c.as_dict() for c in self.checks], "report": self.report_path,
        })

    @property
    def summary(self) -> dict:
        return checks.summary(self.checks)

    @property
    def ok(self) -> bool:
        return self.summary["verdict"] == "pass" and not self.dbt_errors


def _run(target, schemas, selector, read_from, progress) -> dbt_runner.DbtRun:
    """One `dbt build` of a named selection of selectors.yml, every check reporting."""
    run = dbt_runner.invoke(
        "build", target, schemas,
        args=["--selector", selector, "--log-level", "none", "--log-level-file", dbt_runner.file_log_level()],
        modes=("report",),
        read_from=read_from,
        on_node=progress.on_node,
    )
    dbt_runner.raise_on_error(run)
    return run


def validate(
    target: db.Target,
    schemas: Schemas,
    *,
    phase: str = "pre",
    progress: Progress | None = None,
    capture: bool = False,
    restage: bool = True,
    rebuild_work: bool = True,
) -> ValidationResult:
    """capture: stage with change capture. restage=False (pre): check the current
    stage again. rebuild_work=False (post, right after a cutover, while the stage
    still holds the snapshot): recompute only the reconciliation models."""
    with locks.command_lock(target, schemas.live, "validate"):
        return _validate(target, schemas, phase=phase, progress=progress, capture=capture, restage=restage,
                         rebuild_work=rebuild_work)


def _validate(
    target: db.Target,
    schemas: Schemas,
    *,
    phase: str = "pre",
    progress: Progress | None = None,
    capture: bool = False,
    restage: bool = True,
    rebuild_work: bool = True,
) -> ValidationResult:
    if phase not in ("pre", "post"):
        raise HarnessError(f"unknown phase {phase!r}: use pre or post")
    progress = progress or Progress()
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    if phase == "pre":
        with db.connect(target) as conn, conn.cursor() as cur:
            state.require_legacy_live(cur, schemas, "validate")
            privileges.require(cur, schemas, "validate")
            audit.ensure(cur)
            conn.commit()
        if restage:
            progress.step("validate", "running", note="staging a consistent snapshot")
            staged = stage_mod.stage(target, schemas, capture=capture)
            progress.step("validate", "running", rows=sum(staged.row_counts.values()), seconds=staged.seconds,
                          note=f"staged run {staged.run_id}")
            run_id = staged.run_id
        else:
            with db.connect(target) as conn, conn.cursor() as cur:
                latest = audit.latest_run(cur, schemas.live)
                if latest is None or not db.schema_exists(cur, schemas.stage):
                    raise OutOfOrder("nothing is staged to validate again: run `harness validate`")
            run_id = latest["run_id"]
        target_schema = None
        runs = [_run(target, schemas, project.PRE_VALIDATION, None, progress)]
    else:
        with db.connect(target) as conn, conn.cursor() as cur:
            where = state.post_validation_target(cur, schemas)
        run_id, target_schema = where.run_id, where.target_schema
        if rebuild_work:
            read_from = dbt_runner.ReadFrom(target_tables=where.target_schema, legacy_tables=where.source_schema)
            runs = [_run(target, schemas, project.POST_VALIDATION, read_from, progress)]
        else:
            with db.connect(target) as conn, conn.cursor() as cur:
                if not db.schema_exists(cur, schemas.stage):
                    raise OutOfOrder("the stage is gone: validate with rebuild_work")
            # the legacy tables in the stage: the snapshot the archive equals (drift guard)
            read_from = dbt_runner.ReadFrom(target_tables=where.target_schema, legacy_tables=schemas.stage)
            runs = [_run(target, schemas, project.LEAN_POST_VALIDATION, read_from, progress)]
    progress.tracker.close_open_phases(True)
    result = ValidationResult(
        run_id=run_id, phase=phase, live_schema=schemas.live, target_schema=target_schema,
        started_at=started_at.isoformat(),
        checks=checks.collect(target, runs, phases=(phase,)),
        dbt_errors=[f"{o.unique_id}: {o.message}" for r in runs for o in r.failed if o.resource_type != "test"],
        database=target.redacted(),
    )
    result.seconds = time.perf_counter() - started
    with db.connect(target) as conn, conn.cursor() as cur:
        audit.record_step(
            cur, schemas.live, run_id, f"validate-{phase}", started_at, "ok" if result.ok else "failed",
            details={"summary": result.summary, "seconds": round(result.seconds, 3)},
        )
        conn.commit()
    write_report(result)
    return result


def from_build(target: db.Target, schemas: Schemas, built) -> ValidationResult:
    """The pre-migration result a build already produced (its checks ran first)."""
    result = ValidationResult(
        run_id=built.run_id, phase="pre", live_schema=schemas.live, target_schema=None,
        started_at=built.started_at, checks=[c for c in built.checks if c.phase == "pre"],
        database=target.redacted(),
    )
    write_report(result)
    return result


def write_report(result: ValidationResult) -> str:
    report_id = f"{result.run_id}_{result.phase}"
    result.report_path = str(reports.path_of("validation", report_id))
    reports.write("validation", report_id, result.to_dict())
    return result.report_path


def require_ok(result: ValidationResult) -> None:
    if result.dbt_errors:
        raise OutOfOrder(f"validation could not run every check: {result.dbt_errors[0]}")
    if not result.ok:
        blocking = result.summary["blocking_checks"]
        names = ", ".join(blocking[:6]) + (f" and {len(blocking) - 6} more" if len(blocking) > 6 else "")
        from .errors import CheckFailed

        raise CheckFailed(f"validation found blocking problems: {names}; report: {result.report_path}")
