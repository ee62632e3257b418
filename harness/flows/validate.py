"""Validation before and after the migration, as dbt tests with severities.

pre  — stage a fresh snapshot, then build seeds, staging, intermediate and
       quarantine relations in <live>_stage and run every check on them.
       The target schema is not touched.
post — the checks of the built target, each run where it can still say
       something new (docs/checks.md, "Which checks run where"):
       * built, not cut over: the post checks alone, on what the build made
         (no model rebuilt); if <live>_next is no longer as the build sealed
         it, the reconciliation models are recomputed first;
       * right after a cutover (the stage still holds the snapshot): only what
         the swap and the application's writes since can change — the stamp,
         the grants and the change capture of the new live tables, and the
         reconciliation proofs net of the writes since the cutover (when there
         are any); every other post check is the build's own result, carried
         over (the swap proved the target as sealed);
       * later (the stage dropped): the work relations rebuilt from the
         archive and every post check run again.
Every run writes reports/validation_report_<run_id>_<phase>.json. Each dbt
run is one `dbt build` of a named selection of the dbt project (selectors.yml,
project.py) in report mode: no check fails its dbt node, so dbt skips
nothing downstream of a finding and every check runs; what blocks is
decided here from each check's severity (macros/checks.sql, checks.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from harness.common.errors import CheckFailed, HarnessError, OutOfOrder
from harness.common.schemas import Schemas
from harness.db import audit, privileges
from harness.db import connection as db
from harness.dbt_bridge import checks, dbt_runner, project
from harness.flows import seal, state
from harness.flows import stage as stage_mod
from harness.flows import swap_checks as swap_checks_mod
from harness.flows.progress import Progress
from harness.flows.schema_lock import holds_schema
from harness.reporting import reports


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
    # how a post-validation went about it (the module docstring): its selection, why, and the
    # dbt nodes it ran (a check carried over from the build ran none)
    mode: str = ""
    notes: list[str] = field(default_factory=list)
    dbt_nodes: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The validation report's body; --json prints the same."""
        return reports.jsonable(
            {
                "run_id": self.run_id,
                "phase": self.phase,
                "live_schema": self.live_schema,
                "target_schema": self.target_schema,
                "database": self.database,
                "started_at": self.started_at,
                "seconds": round(self.seconds, 3),
                "verdict": self.summary["verdict"],
                "summary": self.summary,
                "mode": self.mode,
                "notes": self.notes,
                "dbt_nodes": self.dbt_nodes,
                "dbt_errors": self.dbt_errors,
                "checks": [c.as_dict() for c in self.checks],
                "report": self.report_path,
            }
        )

    @property
    def summary(self) -> dict:
        return checks.summary(self.checks)

    @property
    def ok(self) -> bool:
        return self.summary["verdict"] == "pass" and not self.dbt_errors


def _run(target, schemas, selector, read_from, progress) -> dbt_runner.DbtRun:
    """One `dbt build` of a named selection of selectors.yml, every check reporting."""
    run = dbt_runner.invoke(
        "build",
        target,
        schemas,
        args=["--selector", selector, "--log-level", "none", "--log-level-file", dbt_runner.file_log_level()],
        modes=("report",),
        read_from=read_from,
        on_node=progress.on_node,
    )
    dbt_runner.raise_on_error(run)
    server = run.server_failure()
    if server:  # the server's doing: no finding of this run can be trusted
        raise type(server)(f"the validation stopped: {server.message}")
    return run


def node_counts(runs: list[dbt_runner.DbtRun]) -> dict[str, int]:
    """The dbt nodes some runs executed, per resource type (what a validation cost)."""
    counts: dict[str, int] = {}
    for run in runs:
        for outcome in run.outcomes:
            counts[outcome.resource_type] = counts.get(outcome.resource_type, 0) + 1
    return counts


@dataclass
class PostPlan:
    """What a post-validation runs: a selection of selectors.yml read from where, the checks it
    takes over from the build, and the checks of the swap's own work."""

    mode: str
    selector: str
    read_from: dbt_runner.ReadFrom
    notes: list[str] = field(default_factory=list)
    carried: dict[str, checks.Check] = field(default_factory=dict)  # by name: the build's results
    swap_checks: list[checks.Check] = field(default_factory=list)


def _built_checks(run_id: str) -> dict[str, checks.Check] | None:
    """The post checks of a run's build, from its migration report (None: no report here)."""
    path = reports.path_of("migration", run_id)
    if not path.exists():
        return None
    document = reports.load(path)
    found = ((document.get("validation") or {}).get("checks")) or []
    built = [checks.Check.from_dict(c) for c in found if c.get("phase") == "post"]
    return {c.name: c for c in built} or None


def post_plan(cur, schemas: Schemas, where: state.PostTarget) -> PostPlan:
    """Which post-validation a state calls for (the module docstring)."""
    if where.target_schema == schemas.next:
        read_from = dbt_runner.ReadFrom(target_tables=schemas.next, legacy_tables=schemas.stage)
        current = state.describe(cur, schemas)
        differences = seal.differences(cur, schemas, current)
        if not differences:
            return PostPlan("checks of the sealed build", project.POST_CHECKS, read_from)
        return PostPlan(
            "recomputed",
            project.LEAN_POST_VALIDATION,
            read_from,
            notes=[
                f"{schemas.next} is not as run {where.run_id} built and sealed it ({'; '.join(differences[:3])}): "
                "the reconciliation models were recomputed from it before its checks"
            ],
        )
    if where.source_schema != schemas.stage:  # the stage is gone: rebuild the work relations from the archive
        read_from = dbt_runner.ReadFrom(target_tables=where.target_schema, legacy_tables=where.source_schema)
        return PostPlan("rebuilt from the archive", project.POST_VALIDATION, read_from)
    # right after the cutover: the legacy tables in the stage, the snapshot the archive equals (drift guard)
    read_from = dbt_runner.ReadFrom(target_tables=where.target_schema, legacy_tables=schemas.stage)
    carried = _built_checks(where.run_id)
    if carried is None:
        return PostPlan(
            "after the cutover",
            project.LEAN_POST_VALIDATION,
            read_from,
            notes=[
                f"the build's report of run {where.run_id} is not here ({reports.path_of('migration', where.run_id)}): "
                "every post check ran again"
            ],
        )
    swap_checks = swap_checks_mod.run(cur, schemas, where.run_id)
    writes = audit.writes_since(cur, schemas.live, "target", where.run_id)
    capture_ok = all(c.status == "passed" for c in swap_checks if c.name == swap_checks_mod.CAPTURE)
    if writes or not capture_ok:
        why = (
            f"{sum(writes.values())} writes since the cutover"
            if writes
            else "the change capture is incomplete, so writes since the cutover cannot be ruled out"
        )
        selector, note = project.POST_CUTOVER_PROOFS, f"the reconciliation proofs ran again, net of writes ({why})"
    else:
        selector = project.POST_CUTOVER_STAMP
        note = "no write since the cutover: the reconciliation proofs are the build's (the target was as sealed)"
    return PostPlan("after the cutover", selector, read_from, notes=[note], carried=carried, swap_checks=swap_checks)


def _with_carried(found: list[checks.Check], plan: PostPlan, run_id: str) -> list[checks.Check]:
    """The checks this validation did not run are the build's results, said so."""
    result = []
    for check in found:
        built = plan.carried.get(check.name)
        if check.status == "not run" and built is not None:
            check = built
            check.message = f"the build's result (run {run_id}): the swap proved the target as sealed"
        result.append(check)
    return checks.ordered(result + plan.swap_checks)


@holds_schema("validate")
def validate(
    target: db.Target,
    schemas: Schemas,
    *,
    phase: str = "pre",
    progress: Progress | None = None,
    capture: bool = False,
    restage: bool = True,
) -> ValidationResult:
    """capture: stage with change capture. restage=False (pre): check the current stage again.
    A post-validation decides from the state what it runs (the module docstring)."""
    if phase not in ("pre", "post"):
        raise HarnessError(f"unknown phase {phase!r}: use pre or post")
    progress = progress or Progress()
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    plan = None
    if phase == "pre":
        with db.connect(target) as conn, conn.cursor() as cur:
            privileges.require(cur, schemas, "audit")  # before the audit is first read
            state.require_legacy_live(cur, schemas, "validate")
            privileges.require(cur, schemas, "validate")
            audit.ensure(cur)
            conn.commit()
        if restage:
            progress.step("validate", "running", note="staging a consistent snapshot")
            staged = stage_mod.stage(target, schemas, capture=capture)
            progress.step(
                "validate",
                "running",
                rows=sum(staged.row_counts.values()),
                seconds=staged.seconds,
                note=f"staged run {staged.run_id}",
            )
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
            plan = post_plan(cur, schemas, where)
        run_id, target_schema = where.run_id, where.target_schema
        runs = [_run(target, schemas, plan.selector, plan.read_from, progress)]
    progress.tracker.close_open_phases(True)
    found = checks.collect(target, runs, phases=(phase,))
    result = ValidationResult(
        run_id=run_id,
        phase=phase,
        live_schema=schemas.live,
        target_schema=target_schema,
        started_at=started_at.isoformat(),
        checks=_with_carried(found, plan, run_id) if plan else found,
        dbt_errors=[
            f"{o.unique_id}: {dbt_runner.one_line(o.message or 'no message')}"
            for r in runs
            for o in r.failed
            if o.resource_type != "test"
        ],
        database=target.redacted(),
        mode=plan.mode if plan else "staged snapshot",
        notes=plan.notes if plan else [],
        dbt_nodes=node_counts(runs),
    )
    result.seconds = time.perf_counter() - started
    with db.connect(target) as conn, conn.cursor() as cur:
        audit.record_step(
            cur,
            schemas.live,
            run_id,
            f"validate-{phase}",
            started_at,
            "ok" if result.ok else "failed",
            details={
                "summary": result.summary,
                "seconds": round(result.seconds, 3),
                "mode": result.mode,
                "dbt_nodes": result.dbt_nodes,
            },
        )
        conn.commit()
    write_report(result)
    return result


def from_build(target: db.Target, schemas: Schemas, built) -> ValidationResult:
    """The pre-migration result a build already produced (its checks ran first)."""
    result = ValidationResult(
        run_id=built.run_id,
        phase="pre",
        live_schema=schemas.live,
        target_schema=None,
        started_at=built.started_at,
        checks=[c for c in built.checks if c.phase == "pre"],
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
        raise CheckFailed(f"validation found blocking problems: {names}; report: {result.report_path}")
