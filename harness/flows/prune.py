"""prune: drop old archives, rolled-back targets and stale stages of a live
schema, keeping the newest N of each kind and, always, the archive of a
cutover in place (a rollback needs it); and take change capture off the
legacy tables while no cutover is in place (an abandoned build: one built
since is then never cut over, and the next build installs capture again).

It never cascades outside the schemas it owns: an object elsewhere that depends
on one of theirs (a view over an archived table, a foreign key into a rolled-back
one) refuses it, named, with its definition."""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.common.errors import CheckFailed
from harness.common.schemas import Schemas
from harness.db import capture, locks, surroundings
from harness.db import connection as db
from harness.db.swap import DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_RETRIES
from harness.flows import state
from harness.flows.schema_lock import holds_schema
from harness.reporting.reports import Result


@dataclass
class PrunePlan(Result):
    drop_schemas: list[str] = field(default_factory=list)
    remove_capture_from: list[str] = field(default_factory=list)
    capture_tables: dict[str, list[str]] = field(default_factory=dict)  # schema -> its captured tables
    capture_run: str | None = None  # the run the capture of the live tables reports to
    kept: list[str] = field(default_factory=list)
    keep: int = 1
    blocked: list[str] = field(default_factory=list)  # kept, and why

    @property
    def empty(self) -> bool:
        return not (self.drop_schemas or self.remove_capture_from)


@dataclass
class PruneResult(Result):
    dropped_schemas: list[str] = field(default_factory=list)
    capture_removed: dict[str, list[str]] = field(default_factory=dict)  # schema -> tables it came off


@holds_schema("prune")
def plan(target: db.Target, schemas: Schemas, keep: int) -> PrunePlan:
    """What prune would drop and keep (nothing is changed; refused while another command works)."""
    with db.connect(target) as conn, conn.cursor() as cur:
        return _plan(cur, schemas, keep)


def _plan(cur, schemas: Schemas, keep: int) -> PrunePlan:
    state.require_live_exists(cur, schemas)
    current = state.describe(cur, schemas)
    result = PrunePlan(keep=keep)
    protected = {schemas.archive(current.cutover["run_id"])} if current.cutover else set()
    for prefix in (f"{schemas.live}_archive_", f"{schemas.live}_rolledback_"):
        cur.execute(
            "select nspname from pg_namespace where nspname like %s order by nspname desc",
            (prefix.replace("_", "\\_") + "%",),
        )
        names = [r[0] for r in cur.fetchall()]
        for index, name in enumerate(names):
            cur.execute(
                "select string_agg(extname, ', ') from pg_extension where extnamespace = %s::regnamespace", (name,)
            )
            extensions = cur.fetchone()[0]
            if name in protected or index < keep:
                result.kept.append(name)
            elif extensions:  # dropping the schema would drop them, and whatever uses them elsewhere
                result.kept.append(name)
                result.blocked.append(
                    f"{name} holds extension {extensions}, which could not move with the live "
                    "schema: ask a superuser to ALTER EXTENSION ... SET SCHEMA where it is used "
                    "(or DROP EXTENSION if nothing uses it), then prune again"
                )
            else:
                result.drop_schemas.append(name)
    building = current.phase in ("building", "built", "staged") and not current.cutover
    if current.stage_exists and not building:
        result.drop_schemas.append(schemas.stage)
    refuse_outside_dependants(cur, result.drop_schemas)
    # no cutover in place: the capture on the legacy tables serves a build nobody cut over
    if current.live_kind == "legacy" and not current.cutover:
        tables = capture.captured_tables(cur, schemas.live)
        if tables:
            result.remove_capture_from.append(schemas.live)
            result.capture_tables[schemas.live] = tables
            result.capture_run = capture.installed_run(cur, schemas.live)
    return result


def refuse_outside_dependants(cur, schemas: list[str]) -> None:
    """Prune drops only what it owns: an object outside the schemas it would drop that depends on one of
    their objects (a view, a foreign key, a function...) refuses it, named, with its definition."""
    found = surroundings.outside_dependants(cur, schemas)
    if found:
        more = f" and {len(found) - 5} more" if len(found) > 5 else ""
        listed = ", ".join(f"{i.type} {i.object} (on {i.on})" for i in found[:5]) + more
        raise CheckFailed(
            f"prune would drop {len(found)} object(s) outside the schemas it owns with {', '.join(schemas)}: "
            f"{listed}; nothing was pruned. Drop them, or point them elsewhere, then prune again",
            hint="\n".join(i.line() for i in found),
        )


@holds_schema("prune")
def apply(
    target: db.Target,
    schemas: Schemas,
    prune_plan: PrunePlan,
    *,
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
    retries: int = DEFAULT_RETRIES,
) -> PruneResult:
    """Carry out a plan the operator saw, holding the live schema; refused if the state moved since.
    Capture comes off one live table per transaction, under lock_timeout with retries (DROP
    TRIGGER locks its table for a moment, readers too)."""
    done = PruneResult()

    def drop(cur) -> None:
        """Under locks on their tables (nothing new comes to depend on them), the plan is still so; drop."""
        for name in prune_plan.drop_schemas:
            tables = db.tables_in(cur, name)
            if tables:
                locks.lock_tables(cur, name, tables, mode="access exclusive")
        if _plan(cur, schemas, prune_plan.keep) != prune_plan:
            raise CheckFailed("the database changed since the plan was shown; nothing was pruned: run prune again")
        for name in prune_plan.drop_schemas:
            db.drop_schema(cur, name)  # CASCADE within the schema only: nothing outside depends on it (_plan)

    with db.connect(target) as conn:
        # always: a plan that only takes capture off is refused too if the database moved since
        locks.with_lock_retries(
            conn,
            drop,
            lock_timeout_ms=lock_timeout_ms,
            retries=retries,
            what=f"dropping {', '.join(prune_plan.drop_schemas) or 'nothing'}",
        )
        done.dropped_schemas = list(prune_plan.drop_schemas)
        for name in prune_plan.remove_capture_from:
            removed = done.capture_removed.setdefault(name, [])
            for table in prune_plan.capture_tables[name]:
                try:
                    removed += locks.with_lock_retries(
                        conn,
                        lambda cur, name=name, table=table: capture.remove(cur, name, [table]),
                        lock_timeout_ms=lock_timeout_ms,
                        retries=retries,
                        what=f"taking change capture off {name}.{table}",
                    )
                except CheckFailed as busy:
                    raise CheckFailed(
                        f"could not take change capture off {name}.{table}: no lock within {lock_timeout_ms} ms "
                        f"after {retries + 1} attempts (a long transaction holds it; see pg_stat_activity); it came "
                        f"off {len(removed)} of {len(prune_plan.capture_tables[name])} tables: prune again"
                    ) from busy
    return done
