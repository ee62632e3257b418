"""The post-validation's checks of the swap's own work, after a cutover.

The swap gives the new live schema the owner, grants and default privileges of
the legacy one, its tables the owners and privileges of the grant rule (never
wider than the legacy tables': parity.py, grants.py), and puts change capture
on them, inside its transaction (swap.py, capture.py). Neither is part of what the build sealed, so neither is proved
by the build's checks: these two checks read the catalog of the new live
schema and say whether the swap did it. They are harness checks, not dbt
tests (they compare the live schema with its archive, which the dbt project
does not know), and they appear in the validation report like the others
(docs/checks.md, "Which checks run where").
"""

from __future__ import annotations

from harness.common.schemas import Schemas
from harness.db import audit, capture, parity
from harness.db import connection as db
from harness.dbt_bridge.checks import Check
from harness.flows import grants as grant_rule

GRANTS = "new_live_tables_keep_the_legacy_privileges"
CAPTURE = "new_live_tables_are_captured"
SCHEMA_PARTS = ("schema_owner", "schema_acl", "default_acl")


def _check(name: str, meaning: str, fix: str, problems: list[str]) -> Check:
    return Check(
        name=name,
        severity="critical",
        phase="post",
        meaning=meaning,
        fix=fix,
        status="found" if problems else "passed",
        failing_rows=len(problems),
        example_ids=problems[:5],
        example_value=problems[0] if problems else None,
    )


def grants(cur, schemas: Schemas, run_id: str, rule: grant_rule.RuleInputs | None = None) -> Check:
    """The new live schema has the legacy schema's owner, grants and default privileges; its tables
    have the owners and privileges of the grant rule, no more, no less; and the legacy tables'
    row-level security is on the new ones (an after-swap file recreates it; the cutover refuses
    without)."""
    archive = schemas.archive(run_id)
    new = parity.summary(parity.read(cur, schemas.live))
    legacy = parity.summary(parity.read(cur, archive))
    problems = [
        f"{part}: {new[part]} where the legacy schema has {legacy[part]}"
        for part in SCHEMA_PARTS
        if new[part] != legacy[part]
    ]
    plan = grant_rule.plan(cur, archive, schemas.live, rule)
    problems += parity.differences(plan, schemas.live, parity.read_tables(cur, schemas.live))
    problems += parity.row_security_not_carried(cur, archive, schemas.live)
    return _check(
        GRANTS,
        "the swap gave the new live schema the owner, grants and default privileges of the legacy "
        "schema (archived), and its tables the owners and privileges of the grant rule (never wider "
        "than the legacy tables')",
        "roll back (`harness rollback`) and report it: {value}",
        problems,
    )


def carried_tables(cur, schemas: Schemas, run_id: str) -> set[str]:
    """The application's own tables the cutover of `run_id` carried into the new live schema."""
    cut = [s for s in audit.steps_of(cur, schemas.live, run_id) if s["step"] == "cutover" and s["outcome"] == "ok"]
    carried = (cut[-1]["details"] or {}).get("carried", []) if cut else []
    oids = [c["oid"] for c in carried if c["classid"] == "pg_class"]
    cur.execute("select relname from pg_class where oid = any(%s::oid[])", (oids,))
    return {r[0] for r in cur.fetchall()}


def captured(cur, schemas: Schemas, run_id: str) -> Check:
    """Every table of the new live schema but alembic_version logs its writes to this run (what a
    rollback carries back; the application's own migrations write alembic_version). The application's
    own tables the cutover carried are never captured: they come back with the legacy schema as they are."""
    own = carried_tables(cur, schemas, run_id)
    missing = [
        table
        for table in capture.target_tables(db.tables_in(cur, schemas.live))
        if table not in own and capture.run_of_table(cur, schemas.live, table) != run_id
    ]
    return _check(
        CAPTURE,
        "every table of the new live schema but alembic_version has the change capture of the "
        "cutover, so a rollback sees every write made since",
        "roll back (`harness rollback`) before the application writes more, and report it: table {value} "
        "is not captured",
        missing,
    )


def run(cur, schemas: Schemas, run_id: str) -> list[Check]:
    return [grants(cur, schemas, run_id), captured(cur, schemas, run_id)]
