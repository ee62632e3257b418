"""The `harness` command line: parses, prints, maps errors to exit codes.

Exit codes: 0 ok; 1 a check failed, a guard refused or the operator said no;
2 usage, configuration or connection error. Every command is a thin wrapper
around a library function that tests call directly.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

import typer

from . import db, embedded
from .console import err, out, print_json, table
from .errors import EXIT_USAGE, HarnessError, UsageError
from .progress import make_progress
from .schemas import Schemas

app = typer.Typer(
    name="harness",
    help="Migrate a live ABParts PostgreSQL database from the legacy schema to the business-model schema.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The embedded PostgreSQL server (data dir inside the project, unix socket only).",
                     no_args_is_help=True)
sample_app = typer.Typer(help="Deterministic legacy ABParts sample databases.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(sample_app, name="sample")


@dataclass
class Options:
    dsn: str | None = None
    schema: str = "public"
    quiet: bool = False
    json: bool = False
    _target: db.Target | None = field(default=None, repr=False)

    @property
    def schemas(self) -> Schemas:
        return Schemas(self.schema)

    def target(self) -> db.Target:
        if self._target is None:
            self._target = db.resolve_target(self.dsn)
        return self._target

    def progress_mode(self) -> str:
        return "json" if self.json else ("quiet" if self.quiet else "auto")


def guarded(func: Callable) -> Callable:
    """The error boundary: a known error becomes one line on stderr and an exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from . import log

        command = " ".join(sys.argv[1:]) if sys.argv and "harness" in sys.argv[0] else func.__name__
        started = time.perf_counter()
        log.event(f"command start: harness {command}")
        try:
            result = func(*args, **kwargs)
        except HarnessError as exc:
            log.event(f"command failed (exit {exc.exit_code}) after {time.perf_counter() - started:.2f}s: {exc.message}",
                      level=40)
            err.print(f"[bold red]error:[/] {exc.message}", markup=True, highlight=False)
            if exc.hint:
                err.print(f"hint: {exc.hint}", markup=False)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            log.event("command interrupted", level=40)
            err.print("interrupted", markup=False)
            raise typer.Exit(130) from None
        except typer.Exit as exit_:
            log.event(f"command ended (exit {exit_.exit_code}) after {time.perf_counter() - started:.2f}s")
            raise
        log.event(f"command ok after {time.perf_counter() - started:.2f}s")
        return result

    return wrapper


def opts(ctx: typer.Context) -> Options:
    return ctx.ensure_object(Options)


@app.callback()
def main_options(
    ctx: typer.Context,
    dsn: str | None = typer.Option(
        None, "--dsn", envvar="HARNESS_DSN", show_envvar=True,
        help="libpq DSN or URI of the database; default: the embedded server (started on demand).",
    ),
    schema: str = typer.Option("public", "--schema", help="The live schema (legacy before cutover)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only results and errors."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON document on stdout, nothing else."),
) -> None:
    options = ctx.ensure_object(Options)
    options.dsn, options.schema, options.quiet, options.json = dsn, schema, quiet, json_output
    try:
        Schemas(schema)
    except HarnessError as exc:
        err.print(f"[bold red]error:[/] {exc.message}")
        raise typer.Exit(EXIT_USAGE) from None


# ---------------------------------------------------------------- db


@db_app.command("start")
@guarded
def db_start() -> None:
    """Initialise (first time) and start the embedded server."""
    status = embedded.start()
    out.print(status.describe(), markup=False)


@db_app.command("stop")
@guarded
def db_stop() -> None:
    """Stop the embedded server (data is kept)."""
    status = embedded.stop()
    out.print(status.describe(), markup=False)


@db_app.command("status")
@guarded
def db_status() -> None:
    """Say whether the embedded server runs, and where."""
    out.print(embedded.status().describe(), markup=False)


@db_app.command("url")
@guarded
def db_url(database: str = typer.Option(embedded.DEFAULT_DATABASE, "--database", "-d")) -> None:
    """Print a DSN for the embedded server, usable by psql and --dsn."""
    embedded.start()
    target = db.Target(embedded.dsn(database), embedded=True)
    db.ensure_database(target)
    typer.echo(target.dsn)


# ---------------------------------------------------------------- sample


@sample_app.command("generate")
@guarded
def sample_generate(
    ctx: typer.Context,
    size: str = typer.Option("small_sample", "--size", help="minimal_sample | small_sample | medium_sample | "
                             "large_sample | production_scale | benchmark_10x"),
    seed: int = typer.Option(42, "--seed", help="Same seed, same database."),
    dirty: bool = typer.Option(False, "--dirty", help="Inject one instance of every problem the checks look for."),
    replace: bool = typer.Option(False, "--replace", help="Drop a previously generated sample in this schema first."),
) -> None:
    """Create the legacy ABParts schema in the live schema and fill it (set-based SQL)."""
    from . import samples

    o = opts(ctx)
    result = samples.generate(o.target(), o.schemas, size, seed=seed, dirty=dirty, replace=replace)
    if o.json:
        print_json(result.__dict__)
        return
    out.print(table(
        f"legacy sample {size} (seed {seed}{', dirty' if dirty else ''}) in schema {o.schema}",
        ["table", "rows"], result.row_counts.items(), right=["rows"],
    ))
    out.print(f"{sum(result.row_counts.values()):,} rows in {result.seconds:.2f}s; uuid functions: {result.uuid_ossp}",
              markup=False)


# ---------------------------------------------------------------- stage / build


@app.command("stage")
@guarded
def stage_command(ctx: typer.Context) -> None:
    """Copy every legacy table into <live>_stage inside one REPEATABLE READ snapshot."""
    from . import stage

    o = opts(ctx)
    result = stage.stage(o.target(), o.schemas)
    if o.json:
        print_json(result.__dict__)
        return
    out.print(table(f"staged run {result.run_id} into {o.schemas.stage} (snapshot {result.snapshot_time:%Y-%m-%d %H:%M:%S%z})",
                    ["table", "rows"], result.row_counts.items(), right=["rows"]))
    for note in result.notes:
        out.print(f"note: {note}", markup=False)


def run_build(o: Options, *, stage_first: bool, force: bool, strict: bool, mode: str):
    from . import build

    with make_progress(o.progress_mode(), title=f"{mode}: {o.schema} -> {o.schemas.next}") as progress:
        result = build.build(o.target(), o.schemas, stage_first=stage_first, force=force, strict=strict,
                             progress=progress, mode=mode)
    if o.json:
        print_json(build_document(result))
    elif not o.quiet:
        print_build_summary(result)
    build.require_success(result)
    return result


def print_checks(found_only_title: str, check_list, *, show_all: bool = False, info_as_line: bool = False) -> None:
    """The findings table: grouped by severity, with example ids and a fix."""
    from rich.table import Table

    from .checks import SEVERITIES, summary

    shown = [c for c in check_list if show_all or c.found]
    if info_as_line:
        infos = [c for c in shown if c.severity == "info"]
        shown = [c for c in shown if c.severity != "info"]
    styles = {"critical": "bold red", "error": "red", "warning": "yellow", "info": "cyan"}
    if shown:
        t = Table(title=found_only_title, title_justify="left", show_lines=False)
        for column in ("severity", "check", "rows", "example ids (up to 5)", "fix"):
            if column.startswith("example"):
                t.add_column(column, no_wrap=True, min_width=36)
            else:
                t.add_column(column, overflow="fold", justify="right" if column == "rows" else "left")
        for severity in SEVERITIES:
            group = [c for c in shown if c.severity == severity]
            for i, c in enumerate(group):
                status = f"{c.failing_rows:,}" if c.status in ("found", "passed") else c.status
                t.add_row(
                    f"[{styles[severity]}]{severity}[/]" if i == 0 else "",
                    c.name, status, "\n".join(c.example_ids[:5]),
                    c.fix_hint() if c.found else "",
                )
            if group:
                t.add_section()
        out.print(t)
    if info_as_line and infos:
        out.print("info: " + ", ".join(f"{c.name} ({c.failing_rows:,})" for c in infos), markup=False)
    s = summary(check_list)
    counts = ", ".join(f"{v['found']} {k}" for k, v in s["by_severity"].items())
    out.print(f"checks run: {s['checks_run']}; with findings: {counts}; verdict: {s['verdict']}", markup=False)


def build_document(result) -> dict:
    return {
        "run_id": result.run_id,
        "success": result.success,
        "report": result.report_path,
        "target_row_counts": result.target_row_counts,
        "quarantined_rows": result.quarantined_rows,
        "steps": result.steps,
        "failed": [o.unique_id for o in (result.dbt.failed if result.dbt else [])],
        "seconds": round(result.seconds, 3),
    }


def print_build_summary(result) -> None:
    out.print(table(
        f"target schema built in {result.seconds:.1f}s (run {result.run_id})",
        ["step", "status", "nodes", "rows", "seconds"],
        [(f"{s['step']:>2} {s['phase']}", s["status"],
          f"{s['nodes_done']}/{s['nodes_total']}" if s["nodes_total"] else "",
          s["rows"] or "", f"{s['seconds']:.2f}" if s["seconds"] else "")
         for s in result.steps],
        right=["nodes", "rows", "seconds"],
    ))
    counts = result.reconciliation.get("row_counts") or []
    if counts:
        out.print(table(
            "rows per table: legacy -> target",
            ["legacy table", "legacy rows", "migrated", "quarantined", "unaccounted"],
            [(c["legacy_table"], c["rows_in"], c["migrated"], c["quarantined"], c["unaccounted"]) for c in counts],
            right=["legacy rows", "migrated", "quarantined", "unaccounted"],
        ))
    new_tables = {k: v for k, v in result.target_row_counts.items() if k in ("warehouses", "transactions", "alembic_version")}
    if new_tables:
        out.print(table("new target tables", ["table", "rows"], new_tables.items(), right=["rows"]))
    stock = result.reconciliation.get("stock") or {}
    ledger = result.reconciliation.get("ledger") or {}
    if stock and ledger:
        from .console import number
        out.print(
            f"stock: legacy {number(stock['legacy_total'])} = migrated {number(stock['migrated_total'])} + quarantined "
            f"{number(stock['quarantined_total'])} ({stock['mismatched_pairs']} mismatched organisation/part pairs); "
            f"ledger: {number(ledger['ledger_entries'])} entries sum to {number(ledger['ledger_total'])} = inventory "
            f"{number(ledger['inventory_total'])} ({ledger['mismatched_positions']} mismatched warehouse/part positions)",
            markup=False,
        )
    if result.quarantine:
        out.print(table(
            f"quarantine: {result.quarantined_rows:,} legacy rows kept aside (migration_audit.quarantine)",
            ["severity", "table", "reason", "rows", "example ids"],
            [(q["severity"], q["source_table"], q["reason_code"], q["rows"], ", ".join(q["example_ids"][:3]))
             for q in result.quarantine],
            right=["rows"],
        ))
    if result.checks:
        print_checks("validation findings (pre- and post-migration checks)", result.checks, info_as_line=True)
    if result.dbt and result.dbt.failed:
        out.print(table("failed dbt nodes", ["node", "message"],
                        [(o.unique_id, (o.message or "")[:200]) for o in result.dbt.failed]))
    out.print(f"report: {result.report_path}", markup=False)


@app.command("build")
@guarded
def build_command(
    ctx: typer.Context,
    no_stage: bool = typer.Option(False, "--no-stage", help="Reuse the current stage instead of restaging."),
    strict: bool = typer.Option(False, "--strict", help="Fail if any legacy row is quarantined (with --force: build "
                                "everything, report the whole quarantine, still exit 1)."),
    force: bool = typer.Option(False, "--force", help="Let error-severity findings through, bad rows quarantined."),
) -> None:
    """Stage, then build the whole target schema into <live>_next with dbt (tests included)."""
    run_build(opts(ctx), stage_first=not no_stage, force=force, strict=strict, mode="build")


@app.command("validate")
@guarded
def validate_command(
    ctx: typer.Context,
    phase: str = typer.Option("pre", "--phase", help="pre: the live legacy data (staged); "
                              "post: the built target (<live>_next, or live after cutover)."),
    json_output: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
    show_all: bool = typer.Option(False, "--all", help="List the checks that passed too."),
) -> None:
    """Run the validation checks; exit 0 when no error or critical finding, 1 otherwise."""
    from . import validate

    o = opts(ctx)
    as_json = json_output or o.json
    if phase not in ("pre", "post"):
        raise UsageError(f"--phase must be pre or post, not {phase!r}")
    with make_progress("json" if as_json else o.progress_mode(), title=f"validate --phase {phase}: {o.schema}") as progress:
        result = validate.validate(o.target(), o.schemas, phase=phase, progress=progress)
    if as_json:
        print_json({
            "run_id": result.run_id, "phase": phase, "verdict": result.summary["verdict"],
            "summary": result.summary, "report": result.report_path,
            "checks": [c.as_dict() for c in result.checks],
        })
    else:
        where = result.target_schema or f"{o.schemas.stage} (staged from {o.schema})"
        print_checks(f"{phase}-migration checks on {where}, run {result.run_id}", result.checks, show_all=show_all)
        out.print(f"report: {result.report_path}", markup=False)
    validate.require_ok(result)


LockTimeout = Annotated[int, typer.Option(
    "--lock-timeout", min=10, max=600000,
    help="lock_timeout of the swap transaction, in milliseconds (retried with backoff).")]
Retries = Annotated[int, typer.Option("--retries", min=0, max=100, help="Retries when the locks are busy.")]


def print_plan(plan) -> None:
    from .console import number

    out.print(table(
        f"plan: cut over run {plan.run_id}: {plan.live_schema} (legacy) -> archive, {plan.target_schema} -> {plan.live_schema}",
        ["legacy table", "rows before", "migrated", "quarantined"],
        [(r["legacy_table"], r["rows_in"], r["migrated"], r["quarantined"]) for r in plan.row_counts],
        right=["rows before", "migrated", "quarantined"],
    ))
    new = {k: v for k, v in plan.target_row_counts.items() if k in ("warehouses", "transactions")}
    out.print(f"new tables: {', '.join(f'{k} {number(v)}' for k, v in new.items())}", markup=False)
    out.print(f"quarantined rows: {plan.quarantined_rows:,}" + (" (--force)" if plan.force else ""), markup=False)
    for q in plan.quarantine:
        out.print(f"  {q['severity']}: {q['source_table']} {q['reason_code']}: {q['rows']}", markup=False)
    if plan.warnings:
        out.print(f"warnings ({len(plan.warnings)}): " + ", ".join(f"{c.name} ({c.failing_rows})" for c in plan.warnings),
                  markup=False)
    out.print(f"expected lock window: ~{plan.expected_lock_window_ms:.0f} ms (writers wait, readers do not)", markup=False)
    out.print(f"backup before the swap: dbt snapshots into migration_backup + {plan.backup_path}", markup=False)


@app.command("migrate")
@guarded
def migrate_command(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="Stage, build and test into <live>_next; live untouched."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    force: bool = typer.Option(False, "--force", help="Proceed despite validation errors (bad rows quarantined); "
                               "never skips the drift guard or the backup."),
    catch_up: bool = typer.Option(False, "--catch-up", help="If live changed since the stage: restage, rebuild, retry."),
    catch_up_rounds: int = typer.Option(3, "--catch-up-rounds", min=1, max=20),
    lock_timeout: LockTimeout = 500,
    retries: Retries = 5,
) -> None:
    """Pre-validate, dry run, show the plan, confirm, cut over, post-validate."""
    from . import migrate

    o = opts(ctx)
    with make_progress(o.progress_mode(), title=f"migrate: {o.schema}") as progress:

        def confirm(plan) -> bool:
            progress.pause()
            try:
                if not o.json:
                    print_plan(plan)
                if yes:
                    return True
                if not sys.stdin.isatty() and not o.json:
                    raise UsageError("migrate needs a terminal to confirm; pass --yes to proceed without asking")
                return typer.confirm("Proceed with the cutover?", default=False)
            finally:
                progress.resume()

        result = migrate.migrate(
            o.target(), o.schemas, dry_run=dry_run, force=force, catch_up=catch_up, catch_up_rounds=catch_up_rounds,
            lock_timeout_ms=lock_timeout, retries=retries, confirm=confirm, progress=progress,
        )
    if o.json:
        print_json(migrate_document(result))
        return
    if dry_run:
        if not o.quiet:
            print_build_summary(result.built)
            out.print(f"dry run complete: the target schema is in {o.schemas.next}; the live schema "
                      f"{o.schema} was not touched", markup=False)
        return
    cut = result.cut
    out.print(f"cut over run {result.run_id}: {o.schema} is the target schema; the legacy schema is kept as "
              f"{cut.archive_schema}; locks held {cut.lock_window_ms:.1f} ms (waited {cut.lock_wait_ms:.1f} ms, "
              f"{cut.attempts} attempt(s)); backup {cut.backup.dump_path}; post-validation: "
              f"{result.post.summary['verdict']}; report: {cut.report_path}", markup=False)


def migrate_document(result) -> dict:
    cut = result.cut
    return {
        "run_id": result.run_id,
        "stopped_after": result.stopped_after,
        "catch_up_rounds": result.catch_up_rounds,
        "build_report": result.built.report_path if result.built else None,
        "cutover": None if cut is None else {
            "archive_schema": cut.archive_schema, "lock_window_ms": round(cut.lock_window_ms, 3),
            "lock_wait_ms": round(cut.lock_wait_ms, 3), "attempts": cut.attempts,
            "backup": cut.backup.dump_path, "report": cut.report_path,
        },
        "post_validation": result.post.summary if result.post else None,
        "seconds": round(result.seconds, 3),
    }


@app.command("cutover")
@guarded
def cutover_command(
    ctx: typer.Context,
    lock_timeout: LockTimeout = 500,
    retries: Retries = 5,
) -> None:
    """Swap an already built <live>_next into place (backups first, drift guard, one transaction)."""
    from . import cutover

    o = opts(ctx)
    with make_progress(o.progress_mode(), title=f"cutover: {o.schema}") as progress:
        cut = cutover.cutover(o.target(), o.schemas, lock_timeout_ms=lock_timeout, retries=retries, progress=progress)
    if o.json:
        print_json({"run_id": cut.run_id, "archive_schema": cut.archive_schema, "lock_window_ms": round(cut.lock_window_ms, 3),
                    "lock_wait_ms": round(cut.lock_wait_ms, 3), "attempts": cut.attempts,
                    "backup": cut.backup.dump_path, "report": cut.report_path})
        return
    out.print(f"cut over run {cut.run_id}: locks held {cut.lock_window_ms:.1f} ms (waited {cut.lock_wait_ms:.1f} ms, "
              f"{cut.attempts} attempt(s)); legacy kept as {cut.archive_schema}; backup {cut.backup.dump_path} "
              f"({cut.backup.dump_bytes:,} bytes); extensions moved: {', '.join(cut.extensions_moved) or 'none'}",
              markup=False)
    out.print("next: `harness validate --phase post`; to undo: `harness rollback`", markup=False)


@app.command("rollback")
@guarded
def rollback_command(
    ctx: typer.Context,
    force: bool = typer.Option(False, "--force", help="Roll back even if the target was written to since the cutover: "
                               "export every write and carry back what has a legacy equivalent."),
    lock_timeout: LockTimeout = 500,
    retries: Retries = 5,
) -> None:
    """Put the legacy schema back (one transaction); the target is kept as <live>_rolledback_<run>."""
    from . import rollback

    o = opts(ctx)
    result = rollback.rollback(o.target(), o.schemas, force=force, lock_timeout_ms=lock_timeout, retries=retries)
    carried = result.carried
    if o.json:
        print_json({"run_id": result.run_id, "rolledback_schema": result.rolledback_schema,
                    "lock_window_ms": round(result.lock_window_ms, 3), "writes_after_cutover": result.writes_after_cutover,
                    "export": carried.export_path if carried else None,
                    "carried": carried.carried if carried else {}, "not_carried": carried.not_carried if carried else []})
        return
    out.print(f"rolled back run {result.run_id}: the legacy schema is live again as {o.schema}; the target is kept as "
              f"{result.rolledback_schema}; locks held {result.lock_window_ms:.1f} ms", markup=False)
    if carried:
        out.print(f"{carried.changes} post-cutover writes exported to {carried.export_path}", markup=False)
        out.print(table("carried back to the legacy schema", ["what", "rows"], carried.carried.items(), right=["rows"]))
        if carried.not_carried:
            out.print(table(f"not carried ({len(carried.not_carried)}; all in the export and in {result.rolledback_schema})",
                            ["table", "row", "op", "reason"],
                            [(n["table"], n["row_id"] or "", n["op"], n["reason"]) for n in carried.not_carried[:30]]))


@app.command("status")
@guarded
def status_command(
    ctx: typer.Context,
    json_output: bool = typer.Option(False, "--json", help="Print the state as JSON on stdout."),
) -> None:
    """Where this database is: staged / built / cut over / rolled back, with run ids and times."""
    from . import capture, state
    from . import db as dbm

    o = opts(ctx)
    target = o.target()
    with dbm.connect(target) as conn, conn.cursor() as cur:
        current = state.describe(cur, o.schemas)
        capturing = capture.installed_run(cur, o.schema)
        cur.execute("select nspname, obj_description(oid, 'pg_namespace') from pg_namespace where nspname like %s "
                    "or nspname like %s order by 1",
                    (f"{o.schema}\\_archive\\_%", f"{o.schema}\\_rolledback\\_%"))
        kept = cur.fetchall()
    document = {
        "database": target.redacted(),
        "live_schema": o.schema,
        "live_holds": current.live_kind,
        "phase": current.phase,
        "stage": {"run_id": current.stage_run, "exists": current.stage_exists},
        "build": {"run_id": current.build_run, "outcome": current.build_outcome,
                  "finished_at": current.build_finished_at, "schema_exists": current.next_exists},
        "cutover": None if not current.cutover else {
            "run_id": current.cutover["run_id"], "at": current.cutover["finished_at"],
            "details": current.cutover.get("details")},
        "last_rollback": None if not current.last_rollback else {
            "run_id": current.last_rollback["run_id"], "at": current.last_rollback["finished_at"]},
        "change_capture_on_live": capturing,
        "kept_schemas": [{"schema": name, "comment": comment} for name, comment in kept],
        "history": [{"run_id": s["run_id"], "step": s["step"], "outcome": s["outcome"], "at": s["finished_at"]}
                    for s in current.steps[-12:]],
    }
    if json_output or o.json:
        print_json(document)
        return
    out.print(f"{target.redacted()}, live schema {o.schema}: {current.phase} (the live schema holds the "
              f"{current.live_kind} schema)", markup=False)
    out.print(f"  stage:   {current.stage_run or '-'}" + ("" if current.stage_exists else " (stage schema dropped)"),
              markup=False)
    out.print(f"  build:   {current.build_run or '-'} {current.build_outcome or ''} "
              f"{current.build_finished_at or ''}".rstrip(), markup=False)
    if current.cutover:
        d = current.cutover.get("details") or {}
        out.print(f"  cutover: run {current.cutover['run_id']} at {current.cutover['finished_at']}; archive "
                  f"{d.get('archive_schema')}; locks held {d.get('lock_window_ms', 0):.1f} ms; backup "
                  f"{(d.get('backup') or {}).get('dump_path')}", markup=False)
    if current.last_rollback:
        out.print(f"  rolled back: run {current.last_rollback['run_id']} at {current.last_rollback['finished_at']}",
                  markup=False)
    out.print(f"  change capture on {o.schema}: {('run ' + capturing) if capturing else 'off'}", markup=False)
    for name, comment in kept:
        out.print(f"  kept: {name}" + (f" ({comment})" if comment else ""), markup=False)
    if current.steps:
        out.print(table("history (latest 12 steps)", ["run", "step", "outcome", "finished"],
                        [(s["run_id"], s["step"], s["outcome"], s["finished_at"]) for s in current.steps[-12:]]))


@app.command("prune")
@guarded
def prune_command(
    ctx: typer.Context,
    keep: int = typer.Option(1, "--keep", min=0, max=100, help="Archives and rolled-back schemas to keep (newest)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Drop old archives, rolled-back targets and a stale stage (after confirmation)."""
    from . import db as dbm
    from . import prune

    o = opts(ctx)
    target = o.target()
    with dbm.connect(target) as conn, conn.cursor() as cur:
        what = prune.plan(cur, o.schemas, keep)
    if what.empty:
        out.print("nothing to prune", markup=False)
        return
    for name in what.drop_schemas:
        out.print(f"drop schema {name}", markup=False)
    for name in what.remove_capture_from:
        out.print(f"remove change capture from the tables of {name}", markup=False)
    for name in what.kept:
        out.print(f"keep {name}", markup=False)
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("prune needs a terminal to confirm; pass --yes to proceed without asking")
        if not typer.confirm("Proceed?", default=False):
            from .errors import Aborted
            raise Aborted("aborted by the operator: nothing was dropped")
    prune.apply(target, o.schemas, what)
    out.print(f"pruned {len(what.drop_schemas)} schema(s)", markup=False)


@app.command("restore")
@guarded
def restore_command(
    ctx: typer.Context,
    source: str = typer.Option(..., "--from", help="A backup file written before a cutover (backups/<live>_<run>.dump)."),
    into_schema: str | None = typer.Option(None, "--schema-name", help="Restore into this new schema (default "
                                              "<schema>_restored) of the same database."),
    into_database: str | None = typer.Option(None, "--database", help="Restore into this new database instead."),
) -> None:
    """Restore a pg_dump backup into a new schema or a new database (never over existing data)."""
    from pathlib import Path

    from . import backup

    o = opts(ctx)
    if into_schema and into_database:
        raise UsageError("--schema-name and --database exclude each other")
    result = backup.restore(o.target(), Path(source), into_schema=into_schema, into_database=into_database)
    out.print(f"restored {result.tables} tables from {result.dump_path} into database {result.database}, "
              f"schema {result.schema} in {result.seconds:.1f}s", markup=False)


@app.command("test")
@guarded
def test_command(
    ctx: typer.Context,
    test_type: str = typer.Option("sample", "--type", help="sample | rollback | comprehensive"),
    sample_size: str | None = typer.Option(None, "--sample-size", help="minimal_sample | small_sample | "
                                              "medium_sample | large_sample | production_scale (sample, rollback)"),
    keep: bool = typer.Option(False, "--keep", help="Keep the temporary databases for inspection."),
) -> None:
    """Rehearse on throwaway databases: migrate, validate, roll back; a verdict with reasons."""
    from . import testing

    o = opts(ctx)
    if test_type == "comprehensive" and sample_size:
        raise UsageError("--sample-size goes with --type sample or rollback; comprehensive runs every size")
    plain = not sys.stdout.isatty() or o.quiet

    def on_scenario(scenario) -> None:
        if o.json or o.quiet:
            return
        mark = "PASS" if scenario.verdict == "pass" else "FAIL"
        line = (f"{mark} {scenario.name}: {scenario.seconds:.1f}s, "
                f"{scenario.numbers.get('quarantined_rows', '?')} quarantined, cutover locks "
                f"{scenario.numbers.get('cutover_lock_ms', '?')} ms, round trip identical: "
                f"{scenario.numbers.get('round_trip_identical', '?')}")
        out.print(line + ("" if scenario.verdict == "pass" else " - " + "; ".join(scenario.reasons)), markup=False)

    if not (o.json or o.quiet):
        out.print(f"harness test --type {test_type}: each scenario in its own temporary database", markup=False)
    result = testing.run(o.target(), test_type, sample_size=sample_size, keep=keep, on_scenario=on_scenario)
    if o.json:
        print_json(test_document(result))
    elif not o.quiet or not plain:
        print_test_summary(test_document(result))
    if not result.passed:
        from .errors import CheckFailed

        failed = [s.name for s in result.scenarios if s.verdict != "pass"]
        raise CheckFailed(f"test {result.test_id} failed: {', '.join(failed)}; report: {result.report_path}")


def test_document(result) -> dict:
    from dataclasses import asdict

    return {"test_id": result.test_id, "type": result.type, "verdict": "pass" if result.passed else "fail",
            "seconds": result.seconds, "report": result.report_path,
            "scenarios": [asdict(s) for s in result.scenarios]}


def print_test_summary(document: dict) -> None:
    rows = []
    for s in document["scenarios"]:
        n = s["numbers"]
        steps = {step["step"]: step["seconds"] for step in s["steps"]}
        rows.append((s["name"], s["verdict"], n.get("legacy_rows"), n.get("quarantined_rows"), n.get("unaccounted_rows"),
                     f"{steps.get('migrate', 0):.1f}", f"{n.get('cutover_lock_ms', 0):.1f}",
                     f"{n.get('rollback_lock_ms', 0):.1f}", "yes" if n.get("round_trip_identical") else "no"))
    out.print(table(
        f"test {document['test_id']} ({document['type']}): {document['verdict']} in {document['seconds']:.0f}s",
        ["scenario", "verdict", "legacy rows", "quarantined", "unaccounted", "migrate s", "cutover lock ms",
         "rollback lock ms", "identical after rollback"],
        rows, right=["legacy rows", "quarantined", "unaccounted", "migrate s", "cutover lock ms", "rollback lock ms"],
    ))
    for s in document["scenarios"]:
        for reason in s["reasons"]:
            out.print(f"{s['name']}: {reason}", markup=False)
    out.print(f"report: {document['report']}", markup=False)


@app.command("report")
@guarded
def report_command(
    ctx: typer.Context,
    run_id: str | None = typer.Argument(None, help="Run or test id (default: the latest report)."),
) -> None:
    """Pretty-print a saved report (the latest by default)."""
    from . import reports

    o = opts(ctx)
    if run_id:
        found = reports.find(run_id)
        if not found:
            raise UsageError(f"no report for {run_id!r} in {reports.paths.reports_dir()}")
    else:
        latest = [p for p in (reports.latest(k) for k in ("migration", "validation", "test")) if p]
        if not latest:
            raise UsageError(f"no report yet in {reports.paths.reports_dir()}: run `harness build` or `harness validate`")
        found = [max(latest, key=lambda p: p.stat().st_mtime)]
    for path in found:
        document = reports.load(path)
        if o.json:
            print_json(document)
            continue
        out.print(f"{path}", markup=False)
        print_report(document)


def print_report(document: dict) -> None:
    kind = document.get("kind")
    if kind == "test":
        print_test_summary({**document, "report": "(this file)"})
        return
    if kind == "validation":
        from .checks import Check

        checks = [Check(**{k: v for k, v in c.items() if k != "fix_hint"}) for c in document["checks"]]
        print_checks(f"{document['phase']}-migration checks, run {document['run_id']}", checks)
        return
    out.print(f"migration report of run {document['run_id']} ({document.get('outcome')}), live schema "
              f"{document.get('live_schema')}, database {document.get('database')}", markup=False)
    steps = document.get("steps") or []
    if steps:
        out.print(table("steps", ["step", "status", "nodes", "rows", "seconds"],
                        [(f"{s['step']:>2} {s['phase']}", s["status"],
                          f"{s['nodes_done']}/{s['nodes_total']}" if s["nodes_total"] else "", s["rows"] or "",
                          f"{s['seconds']:.2f}" if s["seconds"] else "") for s in steps],
                        right=["nodes", "rows", "seconds"]))
    counts = (document.get("reconciliation") or {}).get("row_counts") or []
    if counts:
        out.print(table("rows per table: legacy -> target",
                        ["legacy table", "legacy rows", "migrated", "quarantined", "unaccounted"],
                        [(c["legacy_table"], c["rows_in"], c["migrated"], c["quarantined"], c["unaccounted"])
                         for c in counts],
                        right=["legacy rows", "migrated", "quarantined", "unaccounted"]))
    summary = (document.get("validation") or {}).get("summary")
    if summary:
        found = ", ".join(f"{v['found']} {k}" for k, v in summary["by_severity"].items())
        out.print(f"validation: {summary['verdict']} ({found})", markup=False)
    quarantine = document.get("quarantine") or {}
    out.print(f"quarantined rows: {quarantine.get('total_rows', 0):,}", markup=False)
    cut = document.get("cutover")
    if cut:
        out.print(f"cutover: archive {cut['archive_schema']}, locks held {cut['lock_window_ms']:.1f} ms "
                  f"(waited {cut['lock_wait_ms']:.1f} ms, {cut['attempts']} attempt(s)), backup "
                  f"{(cut.get('backup') or {}).get('dump_path')}", markup=False)


@app.command("docs")
@guarded
def docs_command(
    ctx: typer.Context,
    serve: bool = typer.Option(False, "--serve", help="Serve the page on 127.0.0.1 until Ctrl-C."),
    port: int = typer.Option(8080, "--port", min=1024, max=65535),
    open_browser: bool = typer.Option(False, "--open", help="Open the page in a browser (where there is one)."),
) -> None:
    """Lineage docs: dbt docs as one static, offline HTML file; prints where it is."""
    from . import docs

    o = opts(ctx)
    page = docs.generate(o.target(), o.schemas)
    out.print(f"lineage docs: {page}", markup=False)
    out.print(f"open it with a browser: file://{page}", markup=False)
    if open_browser:
        docs.open_in_browser(page)
    if serve:
        docs.serve(page, port, announce=lambda url: out.print(f"serving {url} (Ctrl-C to stop)", markup=False))


DEMO_DATABASE = "abparts_demo"


@app.command("demo")
@guarded
def demo_command(
    ctx: typer.Context,
    size: str = typer.Option("production_scale", "--size"),
) -> None:
    """Start the embedded server, create a legacy ABParts database, migrate it (dry run), print the summary."""
    from . import samples

    o = opts(ctx)
    if o.dsn:
        raise UsageError("the demo runs on the embedded server only; drop --dsn")
    status = embedded.start()
    out.print(status.describe(), markup=False)
    # the demo's own database, made anew on every run (it never touches `abparts`)
    server = db.Target(embedded.dsn(DEMO_DATABASE), embedded=True)
    with db.connect(server.with_database("postgres"), autocommit=True) as conn, conn.cursor() as cur:
        from psycopg2 import sql

        cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(DEMO_DATABASE)))
        cur.execute(sql.SQL("create database {}").format(sql.Identifier(DEMO_DATABASE)))
    o._target = server
    result = samples.generate(server, o.schemas, size)
    out.print(f"created legacy ABParts database '{DEMO_DATABASE}', schema {o.schema}: "
              f"{size}, {sum(result.row_counts.values()):,} rows in {result.seconds:.2f}s", markup=False)
    build_result = run_build(o, stage_first=True, force=False, strict=False, mode="dry-run")
    out.print(f"\nthe target schema is in {o.schemas.next}; the legacy schema {o.schema} is untouched.\n"
              f"report: {build_result.report_path}\n"
              f"look at it with: psql \"{server.dsn}\"\n"
              f"carry on with it: export HARNESS_DSN=\"{server.dsn}\"; harness validate; harness migrate", markup=False)


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
