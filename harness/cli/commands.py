"""The `harness` command line: parses, calls the library, prints (render.py).

Exit codes: 0 ok; 1 a check failed, a guard refused or the operator said no;
2 usage, configuration or connection error; 130 interrupted (Ctrl-C); 143
terminated (SIGTERM) (boundary.py). Every command is a thin wrapper
around a library function that tests and scripts call directly
(docs/python-api.md); what it prints is its result's to_dict() document, as
a table (render.py) or, with --json, as JSON.
"""

from __future__ import annotations

import enum
import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer

from harness.cli import console, render
from harness.cli.boundary import CommandLine, guarded
from harness.cli.console import err, print_json
from harness.cli.live_progress import make_progress
from harness.common.errors import EXIT_USAGE, Aborted, CheckFailed, HarnessError, UsageError
from harness.common.schemas import Schemas
from harness.db import connection as db
from harness.db import embedded
from harness.flows import demo, samples, testing

app = typer.Typer(
    name="harness",
    help="Migrate a live ABParts PostgreSQL database from the legacy schema to the business-model schema.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=CommandLine,
)
db_app = typer.Typer(
    help="The embedded PostgreSQL server (data dir inside the project, unix socket only).", no_args_is_help=True
)
sample_app = typer.Typer(help="Deterministic legacy ABParts sample databases.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(sample_app, name="sample")

# choices come from the code's own tables
SampleSize = enum.Enum("SampleSize", {name: name for name in samples.SIZES}, type=str)
OriginalSize = enum.Enum("OriginalSize", {name: name for name in samples.ORIGINAL_SIZES}, type=str)
TestType = enum.Enum("TestType", {name: name for name in testing.TYPES}, type=str)
Phase = enum.Enum("Phase", {"pre": "pre", "post": "post"}, type=str)


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

    def show(self, document: dict, renderer: Callable[[dict], None]) -> None:
        """One result: its document as JSON (--json), as text, or nothing (--quiet)."""
        if self.json:
            print_json(document)
        elif not self.quiet:
            renderer(document)

    def tell(self, document: dict, renderer: Callable[[dict], None]) -> None:
        """A result of a line or two (db, prune, docs): as JSON (--json), else as text even with --quiet."""
        if self.json:
            print_json(document)
        else:
            renderer(document)


def opts(ctx: typer.Context) -> Options:
    return ctx.ensure_object(Options)


def ask(question: str, yes: bool, command: str, *, on_stderr: bool = False) -> bool:
    """The operator's word before a change: --yes, or a terminal to ask on (on stderr with --json,
    whose stdout is the one JSON document)."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError(f"{command} needs a terminal to confirm; pass --yes to proceed without asking")
    return typer.confirm(question, default=False, err=on_stderr)


@app.callback()
def main_options(
    ctx: typer.Context,
    dsn: str | None = typer.Option(
        None,
        "--dsn",
        envvar="HARNESS_DSN",
        show_envvar=True,
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
def db_start(ctx: typer.Context) -> None:
    """Initialise (first time) and start the embedded server."""
    opts(ctx).tell(embedded.start().to_dict(), render.server)


@db_app.command("stop")
@guarded
def db_stop(ctx: typer.Context) -> None:
    """Stop the embedded server (data is kept)."""
    opts(ctx).tell(embedded.stop().to_dict(), render.server)


@db_app.command("status")
@guarded
def db_status(ctx: typer.Context) -> None:
    """Say whether the embedded server runs, and where."""
    opts(ctx).tell(embedded.status().to_dict(), render.server)


@db_app.command("url")
@guarded
def db_url(ctx: typer.Context, database: str = typer.Option(embedded.DEFAULT_DATABASE, "--database", "-d")) -> None:
    """Print a DSN for the embedded server, usable by psql and --dsn."""
    document = {"database": database, "url": demo.database_url(database)}
    opts(ctx).tell(document, lambda d: render.line(d["url"]))


# ---------------------------------------------------------------- sample


@sample_app.command("generate")
@guarded
def sample_generate(
    ctx: typer.Context,
    size: SampleSize = typer.Option(
        "small_sample", "--size", help="How much legacy data (the original tool's sizes, and benchmark sizes)."
    ),
    seed: int = typer.Option(42, "--seed", help="Same seed, same database."),
    dirty: bool = typer.Option(False, "--dirty", help="Inject one instance of every problem the checks look for."),
    replace: bool = typer.Option(False, "--replace", help="Drop a previously generated sample in this schema first."),
) -> None:
    """Create the legacy ABParts schema in the live schema and fill it (set-based SQL)."""
    o = opts(ctx)
    result = samples.generate(o.target(), o.schemas, size.value, seed=seed, dirty=dirty, replace=replace)
    o.show(result.to_dict(), render.sample)


@sample_app.command("extract")
@guarded
def sample_extract(
    ctx: typer.Context,
    source: str = typer.Option(..., "--from", help="libpq DSN or URI of the legacy database to sample (read only)."),
    source_schema: str = typer.Option("public", "--from-schema", help="Its legacy schema."),
    database: str | None = typer.Option(
        None,
        "--database",
        help="Create this database on the --dsn server and "
        "extract into its --schema (default: --schema of the --dsn database).",
    ),
    size: SampleSize | None = typer.Option(
        None, "--size", help="As many organisations as this size has (default small_sample)."
    ),
    organizations: int | None = typer.Option(None, "--organizations", help="This many organisations."),
    everything: bool = typer.Option(False, "--all", help="Every row."),
    seed: int = typer.Option(42, "--seed", help="Same seed, same choice."),
    anonymise: bool | None = typer.Option(
        None, "--anonymise/--no-anonymise", help="Replace personal data (the default)."
    ),
    keep_personal_data: bool = typer.Option(
        False, "--keep-personal-data", help="With --no-anonymise: copy personal data as it is."
    ),
) -> None:
    """A closed, representative, anonymised sample of a real legacy database, in a new schema or database."""
    from harness.flows import extract

    o = opts(ctx)
    anonymise_data = extract.personal_data_choice(anonymise, keep_personal_data)
    extract.organisations_wanted(size.value if size else None, organizations, everything)  # before connecting
    result = extract.extract(
        db.resolve_target(source),
        o.target(),
        o.schemas,
        source_schema=source_schema,
        database=database,
        size=size.value if size else None,
        organizations=organizations,
        everything=everything,
        seed=seed,
        anonymise_data=anonymise_data,
        notify=None if o.quiet or o.json else functools.partial(err.print, markup=False),
    )
    o.show(result.to_dict(), render.sample_extract)


# ---------------------------------------------------------------- stage / build / validate


@app.command("stage")
@guarded
def stage_command(ctx: typer.Context) -> None:
    """Copy every legacy table into <live>_stage inside one REPEATABLE READ snapshot."""
    from harness.flows import stage

    o = opts(ctx)
    o.show(stage.stage(o.target(), o.schemas).to_dict(), render.stage)


def run_build(o: Options, *, stage_first: bool, force: bool, strict: bool, mode: str):
    from harness.flows import build

    with make_progress(o.progress_mode(), title=f"{mode}: {o.schema} -> {o.schemas.next}") as progress:
        result = build.build(
            o.target(), o.schemas, stage_first=stage_first, force=force, strict=strict, progress=progress, mode=mode
        )
    o.show(result.to_dict(), render.build)
    build.require_success(result)
    return result


@app.command("build")
@guarded
def build_command(
    ctx: typer.Context,
    no_stage: bool = typer.Option(False, "--no-stage", help="Reuse the current stage instead of restaging."),
    strict: bool = typer.Option(
        False,
        "--strict",
        help="Fail if any legacy row is quarantined (with --force: build "
        "everything, report the whole quarantine, still exit 1).",
    ),
    force: bool = typer.Option(False, "--force", help="Let error-severity findings through, bad rows quarantined."),
) -> None:
    """Stage, then build the whole target schema into <live>_next with dbt (tests included)."""
    run_build(opts(ctx), stage_first=not no_stage, force=force, strict=strict, mode="build")


@app.command("validate")
@guarded
def validate_command(
    ctx: typer.Context,
    phase: Phase = typer.Option(
        "pre",
        "--phase",
        help="pre: the live legacy data (staged); post: the built target (<live>_next, or live after cutover).",
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
    show_all: bool = typer.Option(False, "--all", help="List the checks that passed too."),
) -> None:
    """Run the validation checks; exit 0 when no error or critical finding, 1 otherwise."""
    from harness.flows import validate

    o = opts(ctx)
    o.json = o.json or json_output
    with make_progress(o.progress_mode(), title=f"validate --phase {phase.value}: {o.schema}") as progress:
        result = validate.validate(o.target(), o.schemas, phase=phase.value, progress=progress)
    o.show(result.to_dict(), functools.partial(render.validation, show_all=show_all))
    validate.require_ok(result)


# ---------------------------------------------------------------- migrate / cutover / rollback

LockTimeout = Annotated[
    int,
    typer.Option(
        "--lock-timeout",
        min=10,
        max=600000,
        help="lock_timeout of the swap transaction, in milliseconds (retried with backoff).",
    ),
]
Retries = Annotated[int, typer.Option("--retries", min=0, max=100, help="Retries when the locks are busy.")]
AfterSwap = Annotated[
    Path | None,
    typer.Option(
        "--after-swap",
        metavar="FILE",
        help="The DBA's SQL, run inside the swap after the renames (views, foreign keys re-pointed at the new "
        "tables; integrity rules recreated); a failure rolls the whole swap back.",
    ),
]
AfterRollback = Annotated[
    Path | None,
    typer.Option(
        "--after-rollback",
        metavar="FILE",
        help="The DBA's SQL, run inside the rollback after the renames (what --after-swap re-pointed, pointed "
        "back at the legacy tables).",
    ),
]
DropRule = Annotated[
    list[str] | None,
    typer.Option(
        "--drop-rule",
        metavar="NAME",
        help="An integrity rule of a legacy table (as the plan names it) the new tables are not to have; repeatable.",
    ),
]


@app.command("migrate")
@guarded
def migrate_command(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="Stage, build and test into <live>_next; live untouched."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    force: bool = typer.Option(
        False,
        "--force",
        help="Proceed despite validation errors (bad rows quarantined); never skips the drift guard or the backup.",
    ),
    rebuild: bool = typer.Option(False, "--rebuild", help="Build anew even when the last build could be reused."),
    catch_up: bool = typer.Option(
        False, "--catch-up", help="If live changed since the stage: restage, rebuild, retry."
    ),
    catch_up_rounds: int = typer.Option(3, "--catch-up-rounds", min=1, max=20),
    lock_timeout: LockTimeout = 500,
    retries: Retries = 5,
    after_swap: AfterSwap = None,
    after_rollback: AfterRollback = None,
    drop_rule: DropRule = None,
) -> None:
    """Pre-validate, dry run, show the plan, confirm, cut over, post-validate."""
    from harness.flows import migrate

    o = opts(ctx)
    if not (yes or dry_run or sys.stdin.isatty()):
        raise UsageError("migrate needs a terminal to confirm; pass --yes to proceed without asking")
    with make_progress(o.progress_mode(), title=f"migrate: {o.schema}") as progress:

        def show_plan(plan) -> None:  # before the question, and before a refusal of what surrounds the tables
            if o.json and yes:
                return
            progress.pause()
            try:  # with --json on stderr, beside its question
                with console.on_stderr(o.json):
                    render.plan(plan.to_dict())
            finally:
                progress.resume()

        def confirm(plan) -> bool:
            progress.pause()
            try:
                return ask("Proceed with the cutover?", yes, "migrate", on_stderr=o.json)
            finally:
                progress.resume()

        result = migrate.migrate(
            o.target(),
            o.schemas,
            dry_run=dry_run,
            force=force,
            rebuild=rebuild,
            catch_up=catch_up,
            catch_up_rounds=catch_up_rounds,
            lock_timeout_ms=lock_timeout,
            retries=retries,
            confirm=confirm,
            on_plan=show_plan,
            progress=progress,
            after_swap=after_swap,
            after_rollback=after_rollback,
            drop_rules=tuple(drop_rule or ()),
        )
    o.show(result.to_dict(), render.migrate)


@app.command("cutover")
@guarded
def cutover_command(
    ctx: typer.Context,
    lock_timeout: LockTimeout = 500,
    retries: Retries = 5,
    after_swap: AfterSwap = None,
    drop_rule: DropRule = None,
) -> None:
    """Swap an already built <live>_next into place (backups first, drift guard, one transaction)."""
    from harness.flows import cutover

    o = opts(ctx)
    with make_progress(o.progress_mode(), title=f"cutover: {o.schema}") as progress:
        cut = cutover.cutover(
            o.target(),
            o.schemas,
            lock_timeout_ms=lock_timeout,
            retries=retries,
            progress=progress,
            after_swap=after_swap,
            drop_rules=tuple(drop_rule or ()),
        )
    o.show(cut.to_dict(), render.cutover)
    if not (o.json or o.quiet):
        render.line("next: `harness validate --phase post`; to undo: `harness rollback`")


@app.command("rollback")
@guarded
def rollback_command(
    ctx: typer.Context,
    force: bool = typer.Option(
        False,
        "--force",
        help="Roll back even if the target was written to since the cutover: "
        "export every write and carry back what has a legacy equivalent.",
    ),
    lock_timeout: LockTimeout = 500,
    retries: Retries = 5,
    after_rollback: AfterRollback = None,
) -> None:
    """Put the legacy schema back (one transaction); the target is kept as <live>_rolledback_<run>."""
    from harness.flows import rollback

    o = opts(ctx)
    result = rollback.rollback(
        o.target(),
        o.schemas,
        force=force,
        lock_timeout_ms=lock_timeout,
        retries=retries,
        after_rollback=after_rollback,
    )
    o.show(result.to_dict(), render.rollback)


# ---------------------------------------------------------------- status / prune / restore


@app.command("status")
@guarded
def status_command(
    ctx: typer.Context,
    json_output: bool = typer.Option(False, "--json", help="Print the state as JSON on stdout."),
) -> None:
    """Where this database is: staged / built / cut over / rolled back, with run ids and times."""
    from harness.flows import state

    o = opts(ctx)
    o.json = o.json or json_output
    o.show(state.status(o.target(), o.schemas).to_dict(), render.status)


@app.command("prune")
@guarded
def prune_command(
    ctx: typer.Context,
    keep: int = typer.Option(1, "--keep", min=0, max=100, help="Archives and rolled-back schemas to keep (newest)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Drop old archives, rolled-back targets and a stale stage (after confirmation)."""
    from harness.flows import prune

    o = opts(ctx)
    what = prune.plan(o.target(), o.schemas, keep)
    if what.empty:
        o.tell({"plan": what.to_dict(), "pruned": None}, lambda _: render.line("nothing to prune"))
        return
    with console.on_stderr(o.json):  # with --json: the plan is in the document, shown on stderr too
        if not (o.json and yes):
            render.prune_plan(what.to_dict())
    if not ask("Proceed?", yes, "prune", on_stderr=o.json):
        raise Aborted("aborted by the operator: nothing was dropped")
    done = prune.apply(o.target(), o.schemas, what)
    o.tell({"plan": what.to_dict(), "pruned": done.to_dict()}, lambda d: render.pruned(d["pruned"]))


@app.command("restore")
@guarded
def restore_command(
    ctx: typer.Context,
    source: Path = typer.Option(
        ..., "--from", help="A backup file written before a cutover (backups/<live>_<run>.dump)."
    ),
    into_schema: str | None = typer.Option(
        None, "--schema-name", help="Restore into this new schema (default <schema>_restored) of the same database."
    ),
    into_database: str | None = typer.Option(None, "--database", help="Restore into this new database instead."),
) -> None:
    """Restore a pg_dump backup into a new schema or a new database (never over existing data)."""
    from harness.flows import backup

    o = opts(ctx)
    if into_schema and into_database:
        raise UsageError("--schema-name and --database exclude each other")
    result = backup.restore(o.target(), source, into_schema=into_schema, into_database=into_database)
    o.show(result.to_dict(), render.restore)


# ---------------------------------------------------------------- test / report / docs / demo


@app.command("test")
@guarded
def test_command(
    ctx: typer.Context,
    test_type: TestType = typer.Option("sample", "--type", help="What to rehearse."),
    sample_size: list[OriginalSize] | None = typer.Option(
        None, "--sample-size", help="The size to rehearse on (comprehensive: every size unless given, repeatable)."
    ),
    keep: bool = typer.Option(False, "--keep", help="Keep the temporary databases for inspection."),
    jobs: int = typer.Option(1, "--jobs", min=1, max=8, help="Scenarios run side by side (more load on the server)."),
    source: str | None = typer.Option(
        None, "--from", help="rehearsal: the database to copy (libpq DSN or URI; read only)."
    ),
    backup_file: Path | None = typer.Option(None, "--from-backup", help="rehearsal: a pg_dump archive to copy."),
    sample: SampleSize | None = typer.Option(
        None, "--sample", help="rehearsal: an extracted, anonymised sample of --from of this size, not a full copy."
    ),
    same_server: bool = typer.Option(
        False, "--same-server", help="rehearsal: allow the copy on the source's own server."
    ),
    force: bool = typer.Option(False, "--force", help="rehearsal: rehearse `migrate --force`."),
    after_swap: AfterSwap = None,
    after_rollback: AfterRollback = None,
    drop_rule: DropRule = None,
) -> None:
    """Rehearse on throwaway databases: migrate, validate, roll back; a verdict with reasons."""
    o = opts(ctx)
    sizes = [size.value for size in sample_size or []]
    if test_type.value == "rehearsal":
        if sizes or jobs != 1:
            raise UsageError("--sample-size and --jobs are not for --type rehearsal (a sample of --from: --sample)")
        dba = {"after_swap": after_swap, "after_rollback": after_rollback, "drop_rules": tuple(drop_rule or ())}
        return rehearsal_command(
            o, source, backup_file, sample.value if sample else None, same_server, force, keep, dba
        )
    if source or backup_file or sample or same_server or force or after_swap or after_rollback or drop_rule:
        raise UsageError(
            "--from, --from-backup, --sample, --same-server, --force, --after-swap, --after-rollback and "
            "--drop-rule are for --type rehearsal"
        )
    testing.scenario_plan(test_type.value, sizes)  # a bad combination is refused before any work
    if not (o.json or o.quiet):
        render.line(f"harness test --type {test_type.value}: each scenario in its own temporary database")

    def on_scenario(scenario) -> None:
        if not (o.json or o.quiet):
            render.line(render.scenario_line(scenario.to_dict()))

    result = testing.run(o.target(), test_type.value, sample_size=sizes, keep=keep, jobs=jobs, on_scenario=on_scenario)
    o.show(result.to_dict(), render.test_run)
    if not result.passed:
        failed = [s.name for s in result.scenarios if s.verdict != "pass"]
        raise CheckFailed(f"test {result.test_id} failed: {', '.join(failed)}; report: {result.report_path}")


def rehearsal_command(
    o: Options,
    source: str | None,
    backup_file: Path | None,
    sample: str | None,
    same_server: bool,
    force: bool,
    keep: bool,
    dba: dict,
) -> None:
    """harness test --type rehearsal: migrate a copy of the real database, roll it back, predict the real run."""
    from harness.flows import rehearsal

    rehearsal.check_options(source=source is not None, backup_file=backup_file, sample=sample)
    with make_progress(o.progress_mode(), title=f"rehearsal: {o.schema}") as progress:
        result = rehearsal.rehearse(
            o.target(),
            o.schemas,
            source=db.resolve_target(source) if source else None,
            backup_file=backup_file,
            sample=sample,
            same_server=same_server,
            force=force,
            keep=keep,
            progress=progress,
            **dba,
        )
    o.show(result.to_dict(), render.test_run)
    if not result.passed:
        raise CheckFailed(
            f"rehearsal {result.test_id} failed: {result.scenarios[0].reasons[0]}; report: {result.report_path}"
        )


@app.command("report")
@guarded
def report_command(
    ctx: typer.Context,
    run_id: str | None = typer.Argument(None, help="Run or test id (default: the latest report)."),
    html: bool = typer.Option(False, "--html", help="Print the path of the run's HTML report (written if missing)."),
) -> None:
    """Pretty-print a saved report (the latest by default)."""
    from harness.reporting import reports

    o = opts(ctx)
    if html:
        return o.show({"html": str(reports.page(run_id))}, lambda document: render.line(document["html"]))
    saved = [(path, reports.load(path)) for path in reports.chosen(run_id)]
    if o.json:  # the file itself; one document whatever was chosen
        return print_json(saved[0][1] if len(saved) == 1 else [document for _, document in saved])
    for path, document in saved:
        render.line(str(path))
        o.show(document, render.report)


@app.command("docs")
@guarded
def docs_command(
    ctx: typer.Context,
    serve: bool = typer.Option(False, "--serve", help="Serve the page on 127.0.0.1 until Ctrl-C."),
    port: int = typer.Option(8080, "--port", min=1024, max=65535),
    open_browser: bool = typer.Option(False, "--open", help="Open the page in a browser (where there is one)."),
) -> None:
    """Lineage docs: dbt docs as one static, offline HTML file; prints where it is."""
    from harness.flows import docs

    o = opts(ctx)
    page = docs.generate(o.target(), o.schemas)
    document = {"page": str(page), "url": page.as_uri(), "serving": None}
    if open_browser:
        docs.open_in_browser(page)
    if serve:  # the document once the page is served (then until Ctrl-C)
        docs.serve(page, port, announce=lambda url: o.tell(document | {"serving": url}, render.lineage_docs))
    else:
        o.tell(document, render.lineage_docs)


@app.command("demo")
@guarded
def demo_command(ctx: typer.Context, size: SampleSize = typer.Option("production_scale", "--size")) -> None:
    """Start the embedded server, create a legacy ABParts database, migrate it (dry run), print the summary."""
    o = opts(ctx)
    if o.dsn:
        raise UsageError("the demo runs on the embedded server only; drop --dsn")
    prepared = demo.prepare(o.schemas, size.value)
    document = {
        "server": prepared.server.to_dict(),
        "database": demo.DEMO_DATABASE,
        "sample": prepared.sample.to_dict(),
        "dsn": prepared.dsn,
    }
    if not o.json:
        render.server(document["server"])
        render.demo_database(document)
    from harness.flows import migrate

    with make_progress(o.progress_mode(), title=f"migrate --dry-run: {o.schema}") as progress:
        dry = migrate.migrate(prepared.target, o.schemas, dry_run=True, progress=progress)
    document["dry_run"] = dry.to_dict()
    if o.json:
        return print_json(document)
    o.show(document["dry_run"], render.migrate)
    render.demo_next(document)


def main() -> None:
    app(prog_name="harness")
