"""prune: drop old archives, rolled-back targets and stale stages of a live
schema, keeping the newest N of each kind and, always, the archive of a
cutover in place (a rollback needs it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import capture, db, locks, state
from .errors import CheckFailed
from .reports import Result
from .schemas import Schemas


@dataclass
class PrunePlan(Result):
    drop_schemas: list[str] = field(default_factory=list)
    remove_capture_from: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    keep: int = 1
    blocked: list[str] = field(default_factory=list)  # kept, and why

    @property
    def empty(self) -> bool:
        return not (self.drop_schemas or self.remove_capture_from)


def plan(target: db.Target, schemas: Schemas, keep: int) -> PrunePlan:
    """What prune would drop and keep (nothing is changed; refused while another command works)."""
    with locks.command_lock(target, schemas.live, "prune"), db.connect(target) as conn, conn.cursor() as cur:
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
            cur.execute("select string_agg(extname, ', ') from pg_extension where extnamespace = %s::regnamespace",
                        (name,))
            extensions = cur.fetchone()[0]
            if name in protected or index < keep:
                result.kept.append(name)
            elif extensions:  # dropping the schema would drop them, and whatever uses them elsewhere
                result.kept.append(name)
                result.blocked.append(f"{name} holds extension {extensions}, which could not move with the live "
                                      "schema: ask a superuser to ALTER EXTENSION ... SET SCHEMA where it is used "
                                      "(or DROP EXTENSION if nothing uses it), then prune again")
            else:
                result.drop_schemas.append(name)
    building = current.phase in ("building", "built", "staged") and not current.cutover
    if current.stage_exists and not building:
        result.drop_schemas.append(schemas.stage)
    if current.live_kind == "legacy" and not building and capture.installed_run(cur, schemas.live):
        result.remove_capture_from.append(schemas.live)
    return result


def apply(target: db.Target, schemas: Schemas, prune_plan: PrunePlan) -> None:
    """Carry out a plan the operator saw, holding the live schema; refused if the state moved since."""
    with locks.command_lock(target, schemas.live, "prune"), db.connect(target) as conn, conn.cursor() as cur:
        if _plan(cur, schemas, prune_plan.keep) != prune_plan:
            raise CheckFailed("the database changed since the plan was shown; nothing was pruned: run prune again")
        for name in prune_plan.drop_schemas:
            db.drop_schema(cur, name)
        for name in prune_plan.remove_capture_from:
            capture.remove(cur, name)
        conn.commit()
