"""harness test: rehearse a migration on throwaway databases.

  --type sample          one sample size: generate, migrate (pre-validate, build, backup,
                         cutover, post-validate), roll back, check the round trip
  --type rollback        the round-trip proof: migrate + rollback on a sample with an
                         application role, grants, default privileges and an extension
                         in the live schema; the legacy schema must come back identical
  --type comprehensive   every size (or the --sample-size ones), clean and dirty (dirty with
                         --force), each rolled back
  --type rehearsal       a copy of the real database (or of a backup, or a sample of it):
                         migrate, roll back, and predict the real run (rehearsal.py)

Each scenario runs in its own temporary database on the server of --dsn (the
embedded one by default), dropped afterwards unless --keep; with --jobs N,
N scenarios run side by side in worker processes. The verdict says
why; reports/test_report_<id>.json has every number.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg2.errors
from psycopg2 import sql

from harness.common.errors import HarnessError, UsageError
from harness.common.schemas import Schemas
from harness.db import audit, fingerprint, parity, privileges
from harness.db import connection as db
from harness.flows import migrate, rollback, samples
from harness.flows.progress import Progress
from harness.reporting import reports
from harness.reporting.reports import Result

TYPES = ("sample", "rollback", "comprehensive", "rehearsal")
SCRATCH_DATABASE = "abparts_harness_test"
APP_ROLE = "abparts_app_rehearsal"


@dataclass
class Scenario(Result):
    name: str
    size: str
    dirty: bool
    database: str
    verdict: str = "fail"
    reasons: list[str] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)
    numbers: dict = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # what the scenario could not rehearse, and why

    def step(self, name: str, started: float, outcome: str = "ok", note: str = "") -> None:
        self.steps.append(
            {"step": name, "seconds": round(time.perf_counter() - started, 3), "outcome": outcome, "note": note}
        )


@dataclass
class TestRun:
    test_id: str
    type: str
    server: str = ""
    scenarios: list[Scenario] = field(default_factory=list)
    seconds: float = 0.0
    finished_at: str = ""
    kept_databases: list[str] = field(default_factory=list)
    report_path: str | None = None
    prediction: dict | None = None  # a rehearsal's: what the real run will do (rehearsal.py)

    @property
    def passed(self) -> bool:
        return bool(self.scenarios) and all(s.verdict == "pass" for s in self.scenarios)

    def to_dict(self) -> dict:
        """The test report's body; --json prints the same."""
        return reports.jsonable(
            {
                "test_id": self.test_id,
                "type": self.type,
                "server": self.server,
                "finished_at": self.finished_at,
                "verdict": "pass" if self.passed else "fail",
                "seconds": self.seconds,
                "kept_databases": self.kept_databases,
                "scenarios": [s.to_dict() for s in self.scenarios],
                "report": self.report_path,
            }
            | ({"prediction": self.prediction} if self.prediction is not None else {})
        )


def _like_production(target: db.Target) -> list[str]:
    """An application role with grants and default privileges, and an extension in the live schema.
    Returns notes on what could not be set up with the privileges of the role running the test."""
    notes = []
    with db.connect(target, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("select 1 from pg_roles where rolname = %s", (APP_ROLE,))
        exists = cur.fetchone() is not None
        if not exists and privileges.can_create_roles(cur):
            try:
                cur.execute(sql.SQL("create role {} nologin").format(sql.Identifier(APP_ROLE)))
            except (psycopg2.errors.DuplicateObject, psycopg2.errors.UniqueViolation):
                pass  # a scenario running side by side (--jobs) created it a moment earlier
            exists = True
        if exists:
            role = sql.Identifier(APP_ROLE)
            cur.execute(sql.SQL("grant usage on schema public to {}").format(role))
            cur.execute(
                sql.SQL("grant select, insert, update, delete on all tables in schema public to {}").format(role)
            )
            cur.execute(sql.SQL("alter default privileges in schema public grant select on tables to {}").format(role))
        else:
            notes.append(
                f"no application role: the role running the test may not create {APP_ROLE} "
                "(CREATEROLE), so grants and default privileges were not rehearsed"
            )
        cur.execute("select 1 from pg_available_extensions where name = 'citext'")
        if cur.fetchone():
            cur.execute("create extension if not exists citext schema public")
    return notes


def run_scenario(
    server: db.Target, size: str, *, dirty: bool, database: str, production_like: bool = False, seed: int = 42
) -> Scenario:
    scenario = Scenario(name=f"{size}/{'dirty' if dirty else 'clean'}", size=size, dirty=dirty, database=database)
    schemas = Schemas("public")
    began = time.perf_counter()
    try:
        started = time.perf_counter()
        target = db.create_database(server, database, replace=True)
        generated = samples.generate(target, schemas, size, seed=seed, dirty=dirty)
        if production_like:
            scenario.notes += _like_production(target)
        scenario.numbers["legacy_rows"] = sum(generated.row_counts.values())
        scenario.step("generate", started, note=f"{scenario.numbers['legacy_rows']:,} legacy rows")
        with db.connect(target) as conn, conn.cursor() as cur:
            before = fingerprint.fingerprint(cur, "public")
            before_privileges = parity.summary(parity.read(cur, "public"))

        started = time.perf_counter()
        result = migrate.migrate(target, schemas, force=dirty, confirm=lambda plan: True)
        built, cut, post = result.built, result.cut, result.post
        scenario.numbers.update(
            {
                "build_seconds": round(built.seconds, 3),
                "target_rows": sum(built.target_row_counts.values()),
                "quarantined_rows": built.quarantined_rows,
                "unaccounted_rows": sum(r["unaccounted"] for r in built.reconciliation.get("row_counts", [])),
                "warnings": sum(1 for c in built.checks if c.found and c.severity == "warning"),
                "cutover_lock_ms": round(cut.lock_window_ms, 3),
                "backup_bytes": cut.backup.dump_bytes,
                "post_validation": post.summary["verdict"],
            }
        )
        scenario.step("migrate", started, note=f"run {result.run_id}; locks held {cut.lock_window_ms:.1f} ms")
        if production_like and before["structure"]["extensions"] and not (cut.extensions_moved or cut.extensions_left):
            scenario.reasons.append("the extension in the live schema was neither moved nor reported")
        scenario.notes += [
            f"extension {name} stayed with the legacy schema ({why})" for name, why in cut.extension_notes.items()
        ]
        with db.connect(target) as conn, conn.cursor() as cur:
            after_cutover_privileges = parity.summary(parity.read(cur, "public"))

        started = time.perf_counter()
        undone = rollback.rollback(target, schemas)
        scenario.numbers["rollback_lock_ms"] = round(undone.lock_window_ms, 3)
        scenario.step("rollback", started, note=f"locks held {undone.lock_window_ms:.1f} ms")
        with db.connect(target) as conn, conn.cursor() as cur:
            after = fingerprint.fingerprint(cur, "public")
            after_privileges = parity.summary(parity.read(cur, "public"))
        differences = fingerprint.differences(before, after)
        scenario.numbers["round_trip_identical"] = not differences and after_privileges == before_privileges

        if scenario.numbers["unaccounted_rows"]:
            scenario.reasons.append(f"{scenario.numbers['unaccounted_rows']} legacy rows unaccounted for")
        if post.summary["verdict"] != "pass":
            scenario.reasons.append(f"post-validation: {', '.join(post.summary['blocking_checks'])}")
        if dirty and not built.quarantined_rows:
            scenario.reasons.append("the dirty sample quarantined no row")
        if not dirty and built.quarantined_rows:
            scenario.reasons.append(f"the clean sample quarantined {built.quarantined_rows} rows")
        if differences:
            scenario.reasons.append(f"rollback did not restore the legacy schema: {differences[0]}")
        if after_privileges != before_privileges:
            scenario.reasons.append("rollback did not restore the privileges")
        # the tables' owners and privileges follow the grant rule, which the post-validation checks
        # (new_live_tables_keep_the_legacy_privileges); the schema's are the legacy schema's
        for key in ("schema_owner", "schema_acl", "default_acl"):
            if after_cutover_privileges[key] != before_privileges[key]:
                scenario.reasons.append(f"the cutover did not reproduce {key.replace('_', ' ')}")
    except HarnessError as exc:
        scenario.reasons.append(exc.message)
    scenario.verdict = "pass" if not scenario.reasons else "fail"
    scenario.seconds = round(time.perf_counter() - began, 3)
    return scenario


# a worker process of a parallel rehearsal: the scratch database it reuses (one
# name per worker keeps dbt's partial parse warm from one scenario to the next)
_worker_database: str | None = None


def _start_worker(names) -> None:
    global _worker_database
    _worker_database = names.get()


def _scenario_in_worker(
    dsn: str, embedded: bool, size: str, dirty: bool, production_like: bool, database: str | None
) -> Scenario:
    return run_scenario(
        db.Target(dsn, embedded),
        size,
        dirty=dirty,
        production_like=production_like,
        database=database or _worker_database,
    )


def _run_parallel(
    server: db.Target,
    plan: list[tuple],
    databases: list[str | None],
    jobs: int,
    on_done: Callable[[int, Scenario], None],
) -> list[str]:
    """Scenarios in `jobs` worker processes (dbt runs one invocation at a time per process)."""
    names = [f"{SCRATCH_DATABASE}_{n}" for n in range(1, jobs + 1)]
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        free = manager.Queue()
        for name in names:
            free.put(name)
        with concurrent.futures.ProcessPoolExecutor(
            jobs, mp_context=context, initializer=_start_worker, initargs=(free,)
        ) as pool:
            futures = {
                pool.submit(
                    _scenario_in_worker, server.dsn, server.embedded, size, dirty, production_like, databases[index]
                ): index
                for index, (size, dirty, production_like) in enumerate(plan)
            }
            for future in concurrent.futures.as_completed(futures):
                on_done(futures[future], future.result())
    return names


def scenario_plan(test_type: str, sample_size: str | list[str] | None = None) -> list[tuple[str, bool, bool]]:
    """(size, dirty, production_like) per scenario, in order. sample and rollback rehearse one
    size (small_sample by default); comprehensive every size clean and dirty, or the sizes given."""
    if test_type not in TYPES:
        raise UsageError(f"unknown test type {test_type!r}; choose one of: {', '.join(TYPES)}")
    if test_type == "rehearsal":
        raise UsageError("--type rehearsal copies a database, it generates no sample: give --from DSN (rehearsal.py)")
    sizes = [sample_size] if isinstance(sample_size, str) else list(sample_size or [])
    for size in sizes:
        samples.size_named(size)
    if test_type == "comprehensive":
        order = {size: index for index, size in enumerate(samples.ORIGINAL_SIZES)}
        chosen = sorted(dict.fromkeys(sizes), key=lambda size: order.get(size, len(order)))
        chosen = chosen or list(samples.ORIGINAL_SIZES)
        return [(size, dirty, True) for size in chosen for dirty in (False, True)]
    if len(sizes) > 1:
        raise UsageError(
            f"--type {test_type} rehearses one size; give --sample-size once (or use --type comprehensive)"
        )
    return [(sizes[0] if sizes else "small_sample", False, True)]


def require_createdb(server: db.Target) -> None:
    with db.connect(server) as conn, conn.cursor() as cur:
        if not privileges.can_create_databases(cur):
            cur.execute("select current_user")
            role = cur.fetchone()[0]
            raise privileges.PrivilegeMissing(
                f"harness test rehearses in scratch databases it creates: role {role} needs CREATEDB "
                f"(ALTER ROLE {role} CREATEDB), or run it as another role on the same server"
            )


def run(
    server: db.Target,
    test_type: str,
    *,
    sample_size: str | list[str] | None = None,
    keep: bool = False,
    jobs: int = 1,
    on_scenario: Callable[[Scenario], None] | None = None,
    progress: Progress | None = None,
) -> TestRun:
    """Rehearse; `jobs` > 1 runs scenarios side by side in worker processes (more load on the server)."""
    plan = scenario_plan(test_type, sample_size)
    require_createdb(server)
    test_id = audit.new_run_id()
    began = time.perf_counter()
    # --keep needs a name per scenario; otherwise reused names keep dbt's parse warm
    databases = [f"abparts_test_{test_id}_{index}" if keep else None for index in range(1, len(plan) + 1)]
    outcome = TestRun(test_id=test_id, type=test_type, server=server.redacted())
    done: dict[int, Scenario] = {}

    def on_done(index: int, scenario: Scenario) -> None:
        done[index] = scenario
        if on_scenario:
            on_scenario(scenario)

    jobs = max(1, min(jobs, len(plan)))
    if jobs == 1:
        scratch = [SCRATCH_DATABASE]
        for index, (size, dirty, production_like) in enumerate(plan):
            on_done(
                index,
                run_scenario(
                    server,
                    size,
                    dirty=dirty,
                    production_like=production_like,
                    database=databases[index] or SCRATCH_DATABASE,
                ),
            )
    else:
        scratch = _run_parallel(server, plan, databases, jobs, on_done)
    if not keep:
        for name in scratch:
            db.drop_database(server, name)
    outcome.scenarios = [done[index] for index in range(len(plan))]
    outcome.seconds = round(time.perf_counter() - began, 3)
    outcome.finished_at = datetime.now(UTC).isoformat()
    outcome.kept_databases = [s.database for s in outcome.scenarios] if keep else []
    outcome.report_path = str(reports.path_of("test", test_id))
    reports.write("test", test_id, outcome.to_dict())
    return outcome
