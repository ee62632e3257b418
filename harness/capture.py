"""Change capture: row triggers that log every write to the tables of a
schema into the audit's change log (audit.py reads it).

`stage` installs them on the live (legacy) tables, so the cutover can prove
that nothing was written since the stage snapshot (the drift guard); the
cutover installs them on the new live (target) tables, so the rollback sees
every write made after the cutover and never drops one. They are removed
from the legacy tables when those become live again (rollback) and by prune.
"""

from __future__ import annotations

from psycopg2 import sql

from . import audit, db

TRIGGER = "abparts_migrate_capture"
TRUNCATE_TRIGGER = "abparts_migrate_capture_truncate"
READ_ONLY_TRIGGER = "abparts_migrate_read_only"
READ_ONLY_TRUNCATE_TRIGGER = "abparts_migrate_read_only_truncate"


def install(cur, schema: str, live: str, side: str, run_id: str) -> list[str]:
    """Install (or re-point) capture triggers on every table of `schema` (audit.ensure() ran before)."""
    tables = db.tables_in(cur, schema)
    for table in tables:
        relation = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        args = sql.SQL(", ").join(map(sql.Literal, (live, side, run_id)))
        cur.execute(sql.SQL("drop trigger if exists {} on {}").format(sql.Identifier(TRIGGER), relation))
        cur.execute(sql.SQL("drop trigger if exists {} on {}").format(sql.Identifier(TRUNCATE_TRIGGER), relation))
        cur.execute(
            sql.SQL(
                "create trigger {} after insert or update or delete on {} for each row "
                "execute function {}({})"
            ).format(sql.Identifier(TRIGGER), relation, audit.CAPTURE_FUNCTION, args)
        )
        cur.execute(
            sql.SQL(
                "create trigger {} after truncate on {} for each statement "
                "execute function {}({})"
            ).format(sql.Identifier(TRUNCATE_TRIGGER), relation, audit.CAPTURE_FUNCTION, args)
        )
    return tables


def remove(cur, schema: str) -> int:
    """Drop the capture triggers from every table of `schema`; returns how many tables had them."""
    cur.execute(
        "select c.relname from pg_trigger t join pg_class c on c.oid = t.tgrelid "
        "where c.relnamespace = %s::regnamespace and t.tgname = %s",
        (schema, TRIGGER),
    )
    tables = [r[0] for r in cur.fetchall()]
    for table in tables:
        relation = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        cur.execute(sql.SQL("drop trigger if exists {} on {}").format(sql.Identifier(TRIGGER), relation))
        cur.execute(sql.SQL("drop trigger if exists {} on {}").format(sql.Identifier(TRUNCATE_TRIGGER), relation))
    return len(tables)


def installed_run(cur, schema: str) -> str | None:
    """The run id the capture triggers of `schema` report to, if they are installed."""
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
    args = row[0].split("\\000")
    return args[2] if len(args) > 2 else None


def run_of_table(cur, schema: str, table: str) -> str | None:
    """The run id the capture trigger of one table reports to (None: not captured)."""
    cur.execute(
        "select encode(t.tgargs, 'escape') from pg_trigger t join pg_class c on c.oid = t.tgrelid "
        "where c.relnamespace = %s::regnamespace and c.relname = %s and t.tgname = %s",
        (schema, table, TRIGGER),
    )
    row = cur.fetchone()
    args = row[0].split("\\000") if row else []
    return args[2] if len(args) > 2 else None


def protect(cur, schema: str, run_id: str) -> None:
    """Make every table of a built target read-only until its cutover (statement triggers)."""
    args = sql.SQL(", ").join([sql.Literal(run_id)])
    for table in db.tables_in(cur, schema):
        relation = sql.Identifier(schema, table)
        cur.execute(sql.SQL("create trigger {} before insert or update or delete on {} for each statement "
                            "execute function {}({})").format(
            sql.Identifier(READ_ONLY_TRIGGER), relation, audit.READ_ONLY_FUNCTION, args))
        cur.execute(sql.SQL("create trigger {} before truncate on {} for each statement "
                            "execute function {}({})").format(
            sql.Identifier(READ_ONLY_TRUNCATE_TRIGGER), relation, audit.READ_ONLY_FUNCTION, args))


def unprotect(cur, schema: str) -> None:
    """Drop the read-only guard from the tables of `schema` (the swap, before the rename)."""
    for table in db.tables_in(cur, schema):
        relation = sql.Identifier(schema, table)
        for trigger in (READ_ONLY_TRIGGER, READ_ONLY_TRUNCATE_TRIGGER):
            cur.execute(sql.SQL("drop trigger if exists {} on {}").format(sql.Identifier(trigger), relation))
