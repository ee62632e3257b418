"""Change capture: row triggers that log every write to the captured tables into
the audit's change log (audit.py reads it), each row under its table's primary key.

What is captured: on the live (legacy) side, the eleven legacy tables
(samples.LEGACY_TABLES), from the first stage with capture on, so the cutover
can prove that nothing was written since the stage snapshot (the drift guard);
on the target side, every table the build created but alembic_version (the
application's own migrations write it), from the cutover on, so the rollback
sees every write made after the cutover and never drops one. The
application's other tables are never captured. Capture comes off the legacy
tables when they become live again (rollback) and with prune.

Installed once, never re-created: a trigger's arguments are what does not
change from one run to the next (the live schema, the side, the columns of
the table's primary key); the run it reports to is a row of the audit's
capture_runs, which the function reads at every write. A new
stage points that row at its run and issues no DDL on a live table. The
first install takes one table per transaction under lock_timeout, with
retries: CREATE TRIGGER waits for the writers in flight on that one table
(so every write the stage snapshot does not hold is logged) and never for a
reader.
"""

from __future__ import annotations

from psycopg2 import sql

from harness.common.errors import CheckFailed
from harness.common.legacy import LEGACY_TABLES
from harness.db import audit, locks
from harness.db import connection as db

TRIGGER = "abparts_migrate_capture"
TRUNCATE_TRIGGER = "abparts_migrate_capture_truncate"
READ_ONLY_TRIGGER = "abparts_migrate_read_only"
READ_ONLY_TRUNCATE_TRIGGER = "abparts_migrate_read_only_truncate"
# target tables the application writes for itself: its Alembic migrations stamp alembic_version
NOT_CAPTURED_ON_TARGET = ("alembic_version",)


def legacy_tables(cur, live: str) -> list[str]:
    """The tables capture goes on in a legacy live schema: those of the eleven it has."""
    present = set(db.tables_in(cur, live))
    return [t for t in LEGACY_TABLES if t in present]


def target_tables(tables: list[str]) -> list[str]:
    """Of the tables a build created, those capture goes on at the cutover."""
    return [t for t in tables if t not in NOT_CAPTURED_ON_TARGET]


def primary_keys(cur, schema: str, tables: list[str]) -> dict[str, list[str]]:
    """table -> the columns of its primary key, in key order ([] for a table without one)."""
    cur.execute(
        "select c.relname, array_agg(a.attname::text order by k.position) from pg_index i"
        " join pg_class c on c.oid = i.indrelid"
        " cross join lateral unnest(i.indkey) with ordinality as k (attnum, position)"
        " join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum"
        " where c.relnamespace = %s::regnamespace and i.indisprimary and c.relname = any(%s)"
        " group by c.relname",
        (schema, list(tables)),
    )
    found = dict(cur.fetchall())
    return {table: found.get(table, []) for table in tables}


def _arguments(cur, schema: str, table: str) -> dict[str, list[str]]:
    """The capture triggers on one table and their arguments (a catalog read: no lock on the table)."""
    cur.execute(
        "select t.tgname, encode(t.tgargs, 'escape') from pg_trigger t join pg_class c on c.oid = t.tgrelid"
        " where c.relnamespace = %s::regnamespace and c.relname = %s and t.tgname in (%s, %s)",
        (schema, table, TRIGGER, TRUNCATE_TRIGGER),
    )
    return {name: args.split("\\000")[:-1] for name, args in cur.fetchall()}


def _wanted(live: str, side: str, key: list[str]) -> list[str]:
    return [live, side, *key]


def _missing(cur, schema: str, live: str, side: str, tables: list[str]) -> list[str]:
    """The tables whose capture is absent, or was made for another primary key."""
    keys = primary_keys(cur, schema, tables)
    return [
        table
        for table in tables
        if _arguments(cur, schema, table)
        != dict.fromkeys((TRIGGER, TRUNCATE_TRIGGER), _wanted(live, side, keys[table]))
    ]


def install(cur, schema: str, live: str, side: str, tables: list[str]) -> list[str]:
    """Capture on `tables` of `schema`, in the caller's transaction: created where it is missing,
    created again only where the table's primary key changed since. Returns the tables it
    changed (none: no DDL was issued). audit.ensure() ran before."""
    changed = _missing(cur, schema, live, side, tables)
    keys = primary_keys(cur, schema, changed)
    for table in changed:
        relation = sql.Identifier(schema, table)
        args = sql.SQL(", ").join(map(sql.Literal, _wanted(live, side, keys[table])))
        for trigger in (TRIGGER, TRUNCATE_TRIGGER):
            cur.execute(sql.SQL("drop trigger if exists {} on {}").format(sql.Identifier(trigger), relation))
        cur.execute(
            sql.SQL(
                "create trigger {} after insert or update or delete on {} for each row execute function {}({})"
            ).format(sql.Identifier(TRIGGER), relation, audit.CAPTURE_FUNCTION, args)
        )
        cur.execute(
            sql.SQL("create trigger {} after truncate on {} for each statement execute function {}({})").format(
                sql.Identifier(TRUNCATE_TRIGGER), relation, audit.CAPTURE_FUNCTION, args
            )
        )
    return changed


def install_on_live(conn, live: str, run_id: str, *, lock_timeout_ms: int, retries: int) -> list[str]:
    """Point the legacy capture of a live schema at `run_id`, then install it on the legacy tables
    that lack it, one table per transaction under lock_timeout with retries (commits each).
    Returns the tables it installed on: none once it is in place, so a re-stage issues no DDL."""
    with conn.cursor() as cur:
        audit.point_capture(cur, live, "legacy", run_id)
        tables = legacy_tables(cur, live)
        missing = _missing(cur, live, live, "legacy", tables)
    conn.commit()
    for done, table in enumerate(missing):
        try:
            locks.with_lock_retries(
                conn,
                lambda cur, table=table: install(cur, live, live, "legacy", [table]),
                lock_timeout_ms=lock_timeout_ms,
                retries=retries,
                what=f"installing change capture on {live}.{table}",
            )
        except CheckFailed as busy:
            on = len(tables) - len(missing) + done
            raise CheckFailed(
                f"could not install change capture on {live}.{table}: no lock within {lock_timeout_ms} ms after "
                f"{retries + 1} attempts (a long transaction holds it; see pg_stat_activity); nothing was staged. "
                f"Capture is on {on} of the {len(tables)} legacy tables, where it only logs writes; run again once "
                "the table is free, or `harness prune` takes it off"
            ) from busy
    return missing


def keyless(cur, schema: str, tables: list[str]) -> list[str]:
    """The tables without a primary key: their writes are logged without a row id."""
    return [table for table, key in primary_keys(cur, schema, tables).items() if not key]


def captured_tables(cur, schema: str) -> list[str]:
    """The tables of `schema` that carry a capture trigger of their own (a partition's copy of
    its parent's trigger goes with the parent's)."""
    cur.execute(
        "select distinct c.relname from pg_trigger t join pg_class c on c.oid = t.tgrelid"
        " where c.relnamespace = %s::regnamespace and t.tgname in (%s, %s) and t.tgparentid = 0 order by 1",
        (schema, TRIGGER, TRUNCATE_TRIGGER),
    )
    return [r[0] for r in cur.fetchall()]


def remove(cur, schema: str, tables: list[str] | None = None) -> list[str]:
    """Drop the capture triggers from the tables of `schema` (those of `tables` only, when given)
    in the caller's transaction; returns the tables that had them."""
    found = [t for t in captured_tables(cur, schema) if tables is None or t in tables]
    for table in found:
        relation = sql.Identifier(schema, table)
        for trigger in (TRIGGER, TRUNCATE_TRIGGER):
            cur.execute(sql.SQL("drop trigger if exists {} on {}").format(sql.Identifier(trigger), relation))
    return found


def installed_run(cur, schema: str) -> str | None:
    """The run the capture triggers of `schema` report to, if they are installed."""
    if not db.schema_exists(cur, schema):
        return None
    cur.execute(
        "select encode(t.tgargs, 'escape') from pg_trigger t join pg_class c on c.oid = t.tgrelid "
        "where c.relnamespace = %s::regnamespace and t.tgname = %s limit 1",
        (schema, TRIGGER),
    )
    row = cur.fetchone()
    if row is None:
        return None
    args = row[0].split("\\000")[:-1]  # live schema, side, the primary key's columns
    return audit.capture_run(cur, args[0], args[1]) if len(args) >= 2 else None


def run_of_table(cur, schema: str, table: str) -> str | None:
    """The run id the capture trigger of one table reports to (None: not captured)."""
    cur.execute(
        "select encode(t.tgargs, 'escape') from pg_trigger t join pg_class c on c.oid = t.tgrelid "
        "where c.relnamespace = %s::regnamespace and c.relname = %s and t.tgname = %s",
        (schema, table, TRIGGER),
    )
    row = cur.fetchone()
    args = row[0].split("\\000")[:-1] if row else []  # live schema, side, the primary key's columns
    return audit.capture_run(cur, args[0], args[1]) if len(args) >= 2 else None


def protect(cur, schema: str, run_id: str) -> None:
    """Make every table of a built target read-only until its cutover (statement triggers)."""
    args = sql.SQL(", ").join([sql.Literal(run_id)])
    for table in db.tables_in(cur, schema):
        relation = sql.Identifier(schema, table)
        cur.execute(
            sql.SQL(
                "create trigger {} before insert or update or delete on {} for each statement execute function {}({})"
            ).format(sql.Identifier(READ_ONLY_TRIGGER), relation, audit.READ_ONLY_FUNCTION, args)
        )
        cur.execute(
            sql.SQL("create trigger {} before truncate on {} for each statement execute function {}({})").format(
                sql.Identifier(READ_ONLY_TRUNCATE_TRIGGER), relation, audit.READ_ONLY_FUNCTION, args
            )
        )


def ready_as_live(cur, schema: str, live: str, run_id: str) -> None:
    """A built target about to become live: its read-only guard off, change capture on every table
    but alembic_version, pointed at the cutover's run (a rollback then sees every later write)."""
    unprotect(cur, schema)
    install(cur, schema, live, "target", target_tables(db.tables_in(cur, schema)))
    audit.point_capture(cur, live, "target", run_id)


def unprotect(cur, schema: str) -> None:
    """Drop the read-only guard from the tables of `schema` (the swap, before the rename)."""
    for table in db.tables_in(cur, schema):
        relation = sql.Identifier(schema, table)
        for trigger in (READ_ONLY_TRIGGER, READ_ONLY_TRUNCATE_TRIGGER):
            cur.execute(sql.SQL("drop trigger if exists {} on {}").format(sql.Identifier(trigger), relation))
