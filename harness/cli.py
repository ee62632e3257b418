"""The `harness` command line: parses, prints, maps errors to exit codes.

Exit codes: 0 ok; 1 a check failed, a guard refused or the operator said no;
2 usage, configuration or connection error. Every command is a thin wrapper
around a library function that tests call directly.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, field
from typing import Callable, Optional

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
    dsn: Optional[str] = None
    schema: str = "public"
    quiet: bool = False
    json: bool = False
    _target: Optional[db.Target] = field(default=None, repr=False)

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
        try:
            return func(*args, **kwargs)
        except HarnessError as exc:
            err.print(f"[bold red]error:[/] {exc.message}", markup=True, highlight=False)
            if exc.hint:
                err.print(f"hint: {exc.hint}", markup=False)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err.print("interrupted", markup=False)
            raise typer.Exit(130) from None

    return wrapper


def opts(ctx: typer.Context) -> Options:
    return ctx.ensure_object(Options)


@app.callback()
def main_options(
    ctx: typer.Context,
    dsn: Optional[str] = typer.Option(
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


def print_checks(found_only_title: str, check_list, *, show_all: bool = False) -> None:
    """The findings table: grouped by severity, with example ids and a fix."""
    from rich.table import Table

    from .checks import SEVERITIES, summary

    shown = [c for c in check_list if show_all or c.found]
    styles = {"critical": "bold red", "error": "red", "warning": "yellow", "info": "cyan"}
    if shown:
        t = Table(title=found_only_title, title_justify="left", show_lines=False)
        for column in ("severity", "check", "rows", "example ids (up to 5)", "fix"):
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
        print_checks("validation findings (pre- and post-migration checks)", result.checks)
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


@app.command("migrate")
@guarded
def migrate_command(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="Stage, build and test into <live>_next; live untouched."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    force: bool = typer.Option(False, "--force", help="Proceed despite validation errors (bad rows quarantined)."),
) -> None:
    """Pre-validate, dry run, confirm, cut over, post-validate."""
    o = opts(ctx)
    result = run_build(o, stage_first=True, force=force, strict=False, mode="dry-run")
    if dry_run:
        if not (o.quiet or o.json):
            out.print(f"dry run complete: the target schema is in {o.schemas.next}; the live schema "
                      f"{o.schema} was not touched", markup=False)
        return
    raise HarnessError("the cutover is not available yet: use --dry-run")


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
        raise HarnessError("the demo runs on the embedded server only; drop --dsn")
    status = embedded.start()
    out.print(status.describe(), markup=False)
    result = samples.generate(o.target(), o.schemas, size, replace=True)
    out.print(f"created legacy ABParts database '{embedded.DEFAULT_DATABASE}', schema {o.schema}: "
              f"{size}, {sum(result.row_counts.values()):,} rows in {result.seconds:.2f}s", markup=False)
    build_result = run_build(o, stage_first=True, force=False, strict=False, mode="dry-run")
    out.print(f"\nthe target schema is in {o.schemas.next}; the legacy schema {o.schema} is untouched.\n"
              f"report: {build_result.report_path}\n"
              f"look at it with: psql \"{embedded.dsn()}\"", markup=False)


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
