"""The full migrate flow of the original tool, made safe:

pre-validate -> dry run (stage + build + tests into <live>_next) -> the plan
and summary -> "proceed?" -> cutover (backups first, drift guard, atomic swap)
-> post-validate (a blocking finding triggers an automatic rollback attempt)
-> cleanup. --force lets error findings through with the rows quarantined; it
never skips the drift guard or the backup. --catch-up restages, rebuilds and
retries when the live schema changed since the stage.

Each piece of work is done once: a sealed build of the current stage that
nothing has changed since (no write to the live tables since its snapshot,
the same dbt project, <live>_next as sealed, options it satisfies) is taken
as it is instead of staging and building again (`reusable_build`; --rebuild
builds anew), and the post-validation after the cutover runs only what the
swap and the application's writes since can change (validate.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness.common import faults, paths
from harness.common.errors import Aborted, CheckFailed, HarnessError
from harness.common.schemas import Schemas
from harness.db import audit, capture, parity, privileges, surroundings, swap
from harness.db import connection as db
from harness.db.swap import DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_RETRIES, SwapRefused
from harness.dbt_bridge import dbt_runner
from harness.dbt_bridge.checks import Check
from harness.flows import build, cutover, grants, rollback, seal, stage, state, validate
from harness.flows.progress import Progress
from harness.flows.schema_lock import holds_schema
from harness.reporting import reports


@dataclass
class Plan:
    run_id: str
    live_schema: str
    target_schema: str
    row_counts: list[dict]
    target_row_counts: dict[str, int]
    quarantined_rows: int
    quarantine: list[dict]
    warnings: list[Check]
    expected_lock_window_ms: float
    backup_path: str
    force: bool
    notes: list[str] = field(default_factory=list)  # the stage's: a legacy table without a primary key, ...
    part_classification: list[dict] = field(default_factory=list)  # how the parts were typed, per rule
    grants: dict = field(default_factory=dict)  # the grant rule's plan for the new tables (parity.GrantPlan)
    row_security: list[dict] = field(default_factory=list)  # legacy tables with row-level security, and the bypass
    # what surrounds the legacy tables and what the cutover will do with each (surroundings.py)
    surroundings: list[dict] = field(default_factory=list)
    after_swap: str | None = None  # the DBA's SQL the swap runs after its renames

    def to_dict(self) -> dict:
        return reports.jsonable(self.__dict__ | {"warnings": [c.as_dict() for c in self.warnings]})


@dataclass
class MigrateResult:
    run_id: str | None = None
    stopped_after: str = ""
    pre: validate.ValidationResult | None = None
    built: build.BuildResult | None = None
    plan: Plan | None = None
    cut: cutover.CutoverResult | None = None
    post: validate.ValidationResult | None = None
    rolled_back: rollback.RollbackResult | None = None
    catch_up_rounds: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def dbt_nodes(self) -> dict[str, int]:
        """The dbt nodes each step ran: what a migrate cost (a reused build ran none)."""
        post = sum(self.post.dbt_nodes.values()) if self.post else 0
        return {
            "build": self.built.dbt_nodes if self.built else 0,
            "backup": self.cut.backup.dbt_nodes if self.cut and self.cut.backup else 0,
            "post_validation": post,
        }

    def to_dict(self) -> dict:
        return reports.jsonable(
            {
                "run_id": self.run_id,
                "stopped_after": self.stopped_after,
                "catch_up_rounds": self.catch_up_rounds,
                "build_reused": bool(self.built and self.built.reused),
                "dbt_nodes": self.dbt_nodes,
                "build": self.built.to_dict() if self.built else None,
                "plan": self.plan.to_dict() if self.plan else None,
                "cutover": self.cut.to_dict() if self.cut else None,
                "post_validation": self.post.to_dict() if self.post else None,
                "rolled_back": self.rolled_back.to_dict() if self.rolled_back else None,
                "seconds": round(self.seconds, 3),
                "notes": self.notes,
            }
        )


def estimate_lock_window(
    target: db.Target, schemas: Schemas, run_id: str, rule: grants.RuleInputs | None = None
) -> tuple[float, parity.GrantPlan]:
    """What the cutover does while holding its locks, timed without taking them (but the DBA's SQL);
    and the grant rule's plan it reads on the way."""
    rule = rule or grants.inputs()
    with db.connect(target) as conn, conn.cursor() as cur:
        snapshot = audit.run(cur, schemas.live, run_id)["snapshot"]
        started = time.perf_counter()
        audit.writes_since(cur, schemas.live, "legacy", run_id, snapshot)
        surroundings.signature(cur, schemas.live)  # under the locks: the survey before them, rechecked
        plan = grants.plan(cur, schemas.live, schemas.next, rule)
        elapsed = time.perf_counter() - started
        conn.rollback()
    # + renames, grants and capture triggers: a few ms on a quiet server
    return elapsed * 1000 * 2 + 15, plan


def make_plan(
    target: db.Target,
    schemas: Schemas,
    built: build.BuildResult,
    force: bool,
    *,
    dba_sql: surroundings.DbaSql | None = None,
    drop_rules: tuple[str, ...] = (),
) -> tuple[Plan, list[surroundings.Item]]:
    """The plan the operator sees, and what the cutover would refuse around the legacy tables (a name
    collision; without an --after-swap file, a dependant or an integrity rule the target lacks)."""
    window, grant_plan = estimate_lock_window(target, schemas, built.run_id)
    with db.connect(target) as conn, conn.cursor() as cur:
        row_security = privileges.row_security(cur, schemas)
        around = surroundings.read(cur, schemas.live, incoming=schemas.next, drop_rules=drop_rules)
        surroundings.require_known_rules(around, drop_rules)
        surroundings.require_movable(cur, around)
    return Plan(
        run_id=built.run_id,
        live_schema=schemas.live,
        target_schema=schemas.next,
        row_counts=built.reconciliation.get("row_counts") or [],
        target_row_counts=built.target_row_counts,
        quarantined_rows=built.quarantined_rows,
        quarantine=built.quarantine,
        warnings=[c for c in built.checks if c.found and c.severity == "warning"],
        expected_lock_window_ms=window,
        backup_path=str(paths.backups_dir() / f"{schemas.live}_{built.run_id}.dump"),
        force=force,
        notes=built.stage.notes if built.stage else [],
        part_classification=built.reconciliation.get("part_classification") or [],
        grants=grant_plan.to_dict(),
        row_security=row_security,
        surroundings=around.to_dict(),
        after_swap=dba_sql.path if dba_sql else None,
    ), around.refusals(with_sql=dba_sql is not None)


def reusable_build(
    target: db.Target, schemas: Schemas, *, force: bool, progress: Progress | None = None
) -> build.BuildResult | None:
    """The latest build, taken as it is when nothing has changed since it was sealed: its run is
    the current stage, staged with change capture and no write to the live tables since its
    snapshot (the drift guard's own test), built with the same dbt project and options this
    migrate allows, <live>_next as sealed, and its report here. Says in one line what it decided."""
    progress = progress or Progress()
    with db.connect(target) as conn, conn.cursor() as cur:
        current = state.describe(cur, schemas)
        if current.build_outcome != "ok" or not current.next_exists:
            return None  # nothing sealed: a build is the next step anyway
        run_id = current.build_run
        reason = _not_reusable(cur, schemas, current)
    report = reports.path_of("migration", run_id)
    if reason is None and not report.exists():
        reason = f"its report {report.name} is not in {report.parent}"
    details = (current.build_step or {}).get("details") or {}
    if reason is None and details.get("force") and not force:
        reason = "it was built with --force (quarantined rows), and this migrate has no --force"
    if reason is not None:
        progress.message(f"building anew: the sealed build of run {run_id} cannot be reused ({reason})")
        return None
    built = build.BuildResult.from_dict(reports.load(report))
    built.reused = True
    progress.message(
        f"reusing the sealed build of run {run_id}: nothing has changed since its snapshot of "
        f"{built.stage.snapshot_time:%Y-%m-%d %H:%M:%S %Z} (--rebuild builds anew)"
    )
    return built


def _not_reusable(cur, schemas: Schemas, current: state.State) -> str | None:
    """Why the latest sealed build is not what this migrate would build now (None: it is)."""
    run_id = current.build_run
    if current.stage_run != run_id or not current.stage_exists:
        return f"the stage was replaced since (stage run {current.stage_run})"
    run = audit.run(cur, schemas.live, run_id)
    if not (run and run["capture"]):
        return "it was staged without change capture (a dry run), so writes since cannot be ruled out"
    if capture.installed_run(cur, schemas.live) != run_id:
        return "the change capture on the live tables belongs to another run"
    details = (current.build_step or {}).get("details") or {}
    if details.get("project_digest") != dbt_runner.project_digest():
        return "the dbt project (models, seeds, tests) changed since"
    writes = audit.writes_since(cur, schemas.live, "legacy", run_id, run["snapshot"])
    if writes:
        return f"{sum(writes.values())} writes to {schemas.live} since its snapshot"
    differences = seal.differences(cur, schemas, current)
    if differences:
        return f"{schemas.next} is not as sealed: {differences[0]}"
    return None


@holds_schema("migrate")
def migrate(
    target: db.Target,
    schemas: Schemas,
    *,
    dry_run: bool = False,
    force: bool = False,
    rebuild: bool = False,
    catch_up: bool = False,
    catch_up_rounds: int = 3,
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
    retries: int = DEFAULT_RETRIES,
    confirm: Callable[[Plan], bool] | None = None,
    progress: Progress | None = None,
    on_plan: Callable[[Plan], None] | None = None,
    on_catch_up: Callable[[int], None] | None = None,
    on_locked: Callable[[], None] | None = None,
    after_swap: str | Path | None = None,
    after_rollback: str | Path | None = None,
    drop_rules: tuple[str, ...] = (),
) -> MigrateResult:
    """rebuild: stage and build anew even when a sealed build could be reused (reusable_build);
    on_catch_up(round): before a catch-up round restages (a script can quiesce its application's
    writes there); on_locked: when the cutover has the live tables locked; after_swap, drop_rules:
    the cutover's (cutover.cutover); after_rollback: the automatic rollback's (rollback.rollback)."""
    progress = progress or Progress()
    started = time.perf_counter()
    result = MigrateResult()
    dba_sql = surroundings.DbaSql.load(after_swap, "--after-swap")
    surroundings.DbaSql.load(after_rollback, "--after-rollback")  # a bad file is refused before any work
    drop_rules = tuple(drop_rules)
    with db.connect(target) as conn, conn.cursor() as cur:
        privileges.require(cur, schemas, "audit")  # before the audit is first read or made
        audit.ensure(cur)
        current = state.describe(cur, schemas)
        conn.commit()
        if not (current.cutover and current.post_validation == "not finished" and not dry_run):
            state.require_legacy_live(cur, schemas, "migrate")
            # what a build refuses first (the legacy shape, a partitioned table) refuses a sealed build's reuse too:
            # a column retyped since the build writes no row the change capture sees
            stage.check_live_is_legacy(cur, schemas)
            privileges.require(cur, schemas, "dry-run" if dry_run else "migrate")
            if not dry_run:  # what the cutover would refuse, refused before the stage and the build
                parity.refuse_row_security(cur, schemas.live, after_swap=dba_sql is not None)
    if current.cutover:
        # a migrate that died after its cutover committed: finish it
        result.run_id, result.notes = current.cutover["run_id"], ["resumed: post-validation of the cutover in place"]
        progress.message(f"resuming run {result.run_id}: its cutover committed, its post-validation did not finish")
        return _post_validate_and_clean_up(
            target, schemas, result, progress, lock_timeout_ms, retries, started, after_rollback
        )
    reused = None if rebuild else reusable_build(target, schemas, force=force, progress=progress)
    if dry_run:
        result.built = reused or build.build(target, schemas, force=force, progress=progress, mode="dry-run")
        result.run_id, result.stopped_after = result.built.run_id, "dry run"
        build.require_success(result.built)
        result.seconds = time.perf_counter() - started
        return result

    # 1+2. stage with change capture, then the dry run into <live>_next: the
    # pre-migration checks run first inside it and block it on error
    result.built = reused or build.build(target, schemas, force=force, progress=progress, mode="build")
    result.run_id = result.built.run_id
    result.pre = validate.from_build(target, schemas, result.built)
    if not result.built.success and result.pre.summary["blocking_checks"]:
        # a failing check stops what is downstream of it: check the same stage again,
        # every check run, so the operator sees every problem at once
        result.stopped_after = "pre-validation"
        result.pre = validate.validate(target, schemas, phase="pre", progress=progress, restage=False)
        validate.require_ok(result.pre)
    build.require_success(result.built)
    # 3. the plan, and the operator's word
    result.plan, refused = make_plan(target, schemas, result.built, force, dba_sql=dba_sql, drop_rules=drop_rules)
    if on_plan:
        on_plan(result.plan)
    if refused:  # what the cutover would refuse around the legacy tables: before the question
        result.stopped_after = "plan"
        raise swap.surroundings_refusal("cutover", schemas.live, refused)
    if confirm is not None and not confirm(result.plan):
        result.stopped_after = "confirmation"
        raise Aborted(f"aborted by the operator: nothing was cut over; the target stays built in {schemas.next}")
    # 4. cutover, catching up with the live schema if it moved
    while True:
        try:
            result.cut = cutover.cutover(
                target,
                schemas,
                lock_timeout_ms=lock_timeout_ms,
                retries=retries,
                progress=progress,
                post_validation="pending",
                on_locked=on_locked,
                after_swap=after_swap,
                drop_rules=drop_rules,
            )
            break
        except SwapRefused as drift:
            if drift.reason != "drift" or not catch_up or result.catch_up_rounds >= catch_up_rounds:
                result.stopped_after = "drift guard"
                raise
            result.catch_up_rounds += 1
            if on_catch_up:
                on_catch_up(result.catch_up_rounds)
            progress.message(
                f"catch-up round {result.catch_up_rounds}/{catch_up_rounds}: "
                f"{sum(drift.writes.values())} writes since the stage; restaging and rebuilding"
            )
            result.built = build.build(target, schemas, stage_first=True, force=force, progress=progress, mode="build")
            build.require_success(result.built)
            result.run_id = result.built.run_id
    result.run_id = result.cut.run_id
    return _post_validate_and_clean_up(
        target, schemas, result, progress, lock_timeout_ms, retries, started, after_rollback
    )


def _post_validate_and_clean_up(
    target: db.Target,
    schemas: Schemas,
    result: MigrateResult,
    progress: Progress,
    lock_timeout_ms: int,
    retries: int,
    started: float,
    after_rollback: str | Path | None = None,
) -> MigrateResult:
    # 5. post-validation on the new live schema; a blocking finding rolls back
    faults.point("migrate:post-validate")
    result.post = validate.validate(target, schemas, phase="post", progress=progress)
    if not result.post.ok:
        result.stopped_after = "post-validation"
        problems = ", ".join(result.post.summary["blocking_checks"]) or "; ".join(result.post.dbt_errors)[:300]
        try:
            result.rolled_back = rollback.rollback(
                target, schemas, lock_timeout_ms=lock_timeout_ms, retries=retries, after_rollback=after_rollback
            )
        except HarnessError as exc:
            raise CheckFailed(
                f"post-validation failed after the cutover of run {result.run_id} ({problems}) and the automatic "
                f"rollback was refused: {exc.message}"
            ) from None
        raise CheckFailed(
            f"post-validation failed after the cutover of run {result.run_id} ({problems}); rolled back "
            f"automatically; report: {result.post.report_path}"
        )
    # 6. cleanup: the stage is no longer needed (its quarantine is in migration_audit)
    with db.connect(target, autocommit=True) as conn, conn.cursor() as cur:
        db.drop_schema(cur, schemas.stage)
    progress.step(
        "cleanup",
        "ok",
        note=f"stage {schemas.stage} dropped; archive {schemas.archive(result.run_id)} kept until `harness prune`",
    )
    result.stopped_after = "done"
    result.seconds = time.perf_counter() - started
    return result
