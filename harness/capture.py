"""Change capture: row triggers that log every write to the tables of a
schema into migration_audit.change_log.

`stage` installs them on the live (legacy) tables, so the cutover can prove
that nothing was written since the stage snapshot (the drift guard); the
cutover installs them on the new live (target) tables, so the rollback sees
every write made after the cutover and never drops one. They are removed
from the legacy tables when those become live again (rollback) and by prune.
"""

from __future__ import annotations

from psycopg2 import sql

from . import db

TRIGGER = "abparts_migrate_capture"
TRUNCATE_TRIGGER = "abparts_migrate_capture_truncate"

CAPTURE_DDL = """
create table if not exists migration_audit.change_log (
    id bigserial primary key,
    live_schema text not null,
    side text not null,
    run_id text not null,
    table_name text not null,
    op text not null,
    row_id uuid,
    txid xid8 not null default pg_current_xact_id(),
    changed_at timestamptz not null default clock_timestamp(),
    old_row jsonb,
    new_row jsonb
);
create index if not exists change_log_live_side_run on migration_audit.change_log (live_schema, side, run_id);

create or replace function migration_audit.capture_change() returns trigger
language plpgsql security definer set search_path = pg_catalog as $fn$
begin
    -- TG_ARGV: live schema, side (legacy | target), run id
    if TG_OP = 'TRUNCATE' then
        insert into migration_audit.change_log (live_schema, side, run_id, table_name, op)
        values (TG_ARGV[0], TG_ARGV[1], TG_ARGV[2], TG_TABLE_NAME, TG_OP);
        return null;
    end if;
    insert into migration_audit.change_log (live_schema, side, run_id, table_name, op, row_id, old_row, new_row)
    values (
        TG_ARGV[0], TG_ARGV[1], TG_ARGV[2], TG_TABLE_NAME, TG_OP,
        case when TG_OP = 'DELETE' then OLD.id else NEW.id end,
        case when TG_OP <> 'INSERT' then to_jsonb(OLD) end,
        case when TG_OP <> 'DELETE' then to_jsonb(NEW) end
    );
    return null;
end
$fn$;
"""


def ensure(cur) -> None:
    cur.execute(CAPTURE_DDL)


def install(cur, schema: str, live: str, side: str, run_id: str) -> list[str]:
    """Install (or re-point) capture triggers on every table of `schema`."""
    ensure(cur)
    tables = db.tables_in(cur, schema)
    for table in tables:
        relation = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        args = sql.SQL(", ").join(map(sql.Literal, (live, side, run_id)))
        cur.execute(sql.SQL("drop trigger if exists {} on {}").format(sql.Identifier(TRIGGER), relation))
        cur.execute(sql.SQL("drop trigger if exists {} on {}").format(sql.Identifier(TRUNCATE_TRIGGER), relation))
        cur.execute(
            sql.SQL(
                "create trigger {} after insert or update or delete on {} for each row "
                "execute function migration_audit.capture_change({})"
            ).format(sql.Identifier(TRIGGER), relation, args)
        )
        cur.execute(
            sql.SQL(
                "create trigger {} after truncate on {} for each statement "
                "execute function migration_audit.capture_change({})"
            ).format(sql.Identifier(TRUNCATE_TRIGGER), relation, args)
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


def writes_since(cur, live: str, side: str, run_id: str, snapshot: str | None = None) -> dict[str, int]:
    """Logged writes per table: for side legacy, those not visible in the stage snapshot."""
    cur.execute("select to_regclass('migration_audit.change_log')")
    if cur.fetchone()[0] is None:
        return {}
    query = (
        "select table_name, count(*) from migration_audit.change_log"
        " where live_schema = %s and side = %s and run_id = %s"
    )
    params: list = [live, side, run_id]
    if snapshot:
        query += " and not pg_visible_in_snapshot(txid, %s::pg_snapshot)"
        params.append(snapshot)
    cur.execute(query + " group by table_name order by table_name", params)
    return {table: int(n) for table, n in cur.fetchall()}
