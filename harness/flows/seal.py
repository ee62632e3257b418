"""The seal of a successful build: what makes <live>_next "what run X built".

A build that succeeds is vacuumed (autovacuum has nothing left to lock it for
at the cutover), made read-only until its cutover (capture.protect()), and
fingerprinted: its row counts, catalog facts and the sealing transaction's id go
into the build's audit row, and the catalog's digest into the schema's comment.
`differences()` says how the schema is no longer that: the stamp, the row counts,
the rows written since the seal (a row updated in place around the read-only
guard keeps the counts; its xmin is younger than the seal) and the catalog (its
columns, constraints, indexes, triggers, and the grants and owners of the schema
and its tables), all checked before any lock; the catalog is compared again
under the swap's locks by the cutover. A migrate reuses a
sealed build, a post-validation checks it without recomputing it, and a
cutover puts it live, only while there is no difference.
"""

from __future__ import annotations

from psycopg2 import sql

from harness.common.errors import CheckFailed, OutOfOrder
from harness.common.schemas import Schemas
from harness.db import capture, fingerprint
from harness.db import connection as db
from harness.flows import state


def seal(target: db.Target, schemas: Schemas, run_id: str) -> dict:
    """Vacuum, guard and fingerprint a successful build; stamp its schema with run and digest."""
    with db.connect(target, autocommit=True) as conn, conn.cursor() as cur:
        for table in db.tables_in(cur, schemas.next):
            cur.execute(sql.SQL("vacuum {}").format(sql.Identifier(schemas.next, table)))
    with db.connect(target) as conn, conn.cursor() as cur:
        capture.protect(cur, schemas.next, run_id)
        facts = fingerprint.build_facts(cur, schemas.next)
        facts["sealed_xid"] = fingerprint.current_xid(cur)
        cur.execute(
            sql.SQL("comment on schema {} is %s").format(sql.Identifier(schemas.next)),
            (f"abparts-migrate target schema built from run {run_id} (ok); catalog {facts['digest']}",),
        )
        conn.commit()
    return facts


def sealed_facts(schemas: Schemas, current: state.State) -> dict:
    """The build's fingerprint, from its audit row (OutOfOrder when it left none)."""
    facts = ((current.build_step or {}).get("details") or {}).get("fingerprint")
    if not facts:
        raise OutOfOrder(
            f"the build of run {current.build_run} left no fingerprint to check {schemas.next} "
            "against: rebuild with `harness build`"
        )
    return facts


def differences(cur, schemas: Schemas, current: state.State, *, catalog: bool = True) -> list[str]:
    """How <live>_next differs from what the latest build sealed (empty: it is that build)."""
    facts = sealed_facts(schemas, current)
    cur.execute("select obj_description(%s::regnamespace, 'pg_namespace')", (schemas.next,))
    stamp = cur.fetchone()[0] or ""
    if f"run {current.build_run} (ok); catalog {facts['digest']}" not in stamp:
        return [f"its stamp reads {stamp!r}"]
    found = fingerprint.count_differences(facts["row_counts"], fingerprint.row_counts(cur, schemas.next))
    if "sealed_xid" not in facts:
        found.append("its seal says nothing of the rows written since (a seal of an older version)")
    else:
        written = fingerprint.rows_written_after(cur, schemas.next, facts["sealed_xid"])
        found += [f"{count:,} rows of {table} were written after the seal" for table, count in written.items() if count]
    if catalog:
        found += fingerprint.catalog_differences(facts["catalog"], fingerprint.catalog(cur, schemas.next))
    return found


def not_what_was_built(schemas: Schemas, run_id: str, found: list[str]) -> str:
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    return (
        f"{schemas.next} is not what run {run_id} built: {'; '.join(found[:3])}{more}; nothing was cut "
        "over. Rebuild with `harness build`"
    )


def verify(cur, schemas: Schemas, current: state.State) -> dict:
    """Refuse a <live>_next that is not what the build sealed, before any lock and before backups
    are taken for nothing (its catalog is compared again under the swap's locks). Returns the
    build's fingerprint."""
    found = differences(cur, schemas, current)
    if found:
        raise CheckFailed(not_what_was_built(schemas, current.build_run, found))
    return sealed_facts(schemas, current)
