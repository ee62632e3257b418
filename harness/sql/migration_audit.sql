-- The harness's own record of every migration: the whole DDL of the
-- migration_audit schema. Idempotent: harness/db/audit.py runs it before any
-- command reads or writes the schema. Every row is keyed by live schema and
-- run id, so several live schemas can share one database.

create schema if not exists migration_audit;

-- one row per stage: the snapshot the build reads and what it held
create table if not exists migration_audit.runs (
    live_schema text not null,
    run_id text not null,
    created_at timestamptz not null default now(),
    snapshot_time timestamptz,
    snapshot text,
    source_row_counts jsonb,
    stage_notes jsonb,
    capture boolean not null default false,
    primary key (live_schema, run_id)
);

alter table migration_audit.runs add column if not exists capture boolean not null default false;

-- one row per step of a run (stage, build, dry-run, validate-*, cutover,
-- rollback, ...); a step that is still running, or was killed, has no
-- finished_at
create table if not exists migration_audit.steps (
    id bigserial primary key,
    live_schema text not null,
    run_id text not null,
    step text not null,
    started_at timestamptz not null,
    finished_at timestamptz,
    outcome text not null,
    row_counts jsonb,
    details jsonb,
    message text
);

create index if not exists steps_live_run on migration_audit.steps (live_schema, run_id, id);

-- the legacy rows a build set aside, whole, with the reason
create table if not exists migration_audit.quarantine (
    live_schema text not null,
    run_id text not null,
    source_table text not null,
    source_id uuid not null,
    reason_code text not null,
    severity text not null,
    detail text,
    legacy_row jsonb,
    primary key (live_schema, run_id, source_table, source_id)
);

-- every write to a captured table: legacy tables from stage to cutover (the
-- drift guard), target tables after the cutover (what a rollback carries back).
-- row_id is the written row's primary key as text: the value of a one-column
-- key, a JSON array of the values of a composite one; NULL for a table without
-- a primary key, and for a TRUNCATE
create table if not exists migration_audit.change_log (
    id bigserial primary key,
    live_schema text not null,
    side text not null,
    run_id text not null,
    table_name text not null,
    op text not null,
    row_id text,
    txid xid8 not null default pg_current_xact_id(),
    changed_at timestamptz not null default clock_timestamp(),
    old_row jsonb,
    new_row jsonb
);

-- a change log of a version that stored the row's uuid id: once, the same ids as text
do $$
begin
    if exists (
        select from pg_attribute
        where attrelid = 'migration_audit.change_log'::regclass and attname = 'row_id' and atttypid = 'uuid'::regtype
    ) then
        alter table migration_audit.change_log alter column row_id type text;
    end if;
end
$$;

create index if not exists change_log_live_side_run on migration_audit.change_log (live_schema, side, run_id);
-- the drift guard: the writes of a live schema not visible in a stage snapshot
create index if not exists change_log_live_side_txid on migration_audit.change_log (live_schema, side, txid);

-- the run the capture triggers of a live schema report to, per side. The
-- triggers read it at every write, so a new stage points them at its run with
-- this row alone: no DDL on a live table, no lock a writer could wait for
create table if not exists migration_audit.capture_runs (
    live_schema text not null,
    side text not null,
    run_id text not null,
    pointed_at timestamptz not null default clock_timestamp(),
    primary key (live_schema, side)
);

-- The capture triggers' function. security definer: the application's role
-- writes its rows without any privilege on migration_audit. TG_ARGV: the live
-- schema, the side (legacy | target), then the columns of the table's primary
-- key (none: a table without one). Nothing in it can fail on a row's shape. An
-- update that changes the row's key is logged as what it is to the row's
-- identity: the old key's DELETE and the new key's INSERT.
create or replace function migration_audit.capture_change() returns trigger
language plpgsql security definer set search_path = pg_catalog as $fn$
declare
    run text;
    old_row jsonb;
    new_row jsonb;
    row_key text;
    old_key text;
begin
    select c.run_id into run
    from migration_audit.capture_runs as c
    where c.live_schema = TG_ARGV[0] and c.side = TG_ARGV[1];
    run := coalesce(run, 'none');
    if TG_OP = 'TRUNCATE' then
        insert into migration_audit.change_log (live_schema, side, run_id, table_name, op)
        values (TG_ARGV[0], TG_ARGV[1], run, TG_TABLE_NAME, TG_OP);
        return null;
    end if;
    if TG_OP <> 'INSERT' then
        old_row := to_jsonb(OLD);
    end if;
    if TG_OP <> 'DELETE' then
        new_row := to_jsonb(NEW);
    end if;
    if TG_NARGS = 3 then
        row_key := coalesce(new_row, old_row) ->> TG_ARGV[2];
        old_key := old_row ->> TG_ARGV[2];
    elsif TG_NARGS > 3 then
        row_key := (
            select jsonb_agg(coalesce(new_row, old_row) -> TG_ARGV[n] order by n)::text
            from generate_series(2, TG_NARGS - 1) as n
        );
        old_key := (
            select jsonb_agg(old_row -> TG_ARGV[n] order by n)::text
            from generate_series(2, TG_NARGS - 1) as n
        );
    end if;
    if TG_OP = 'UPDATE' and old_key is distinct from row_key then
        insert into migration_audit.change_log (live_schema, side, run_id, table_name, op, row_id, old_row)
        values (TG_ARGV[0], TG_ARGV[1], run, TG_TABLE_NAME, 'DELETE', old_key, old_row);
        insert into migration_audit.change_log (live_schema, side, run_id, table_name, op, row_id, new_row)
        values (TG_ARGV[0], TG_ARGV[1], run, TG_TABLE_NAME, 'INSERT', row_key, new_row);
        return null;
    end if;
    insert into migration_audit.change_log (live_schema, side, run_id, table_name, op, row_id, old_row, new_row)
    values (TG_ARGV[0], TG_ARGV[1], run, TG_TABLE_NAME, TG_OP, row_key, old_row, new_row);
    return null;
end
$fn$;

-- The guard of a built target schema until its cutover: every write to its
-- tables is refused (capture.protect() installs it after a successful build,
-- the swap removes it). TG_ARGV: the run that built the schema.
create or replace function migration_audit.refuse_write() returns trigger
language plpgsql as $fn$
begin
    raise exception 'schema % is read-only until the cutover (built by run %)', TG_TABLE_SCHEMA, TG_ARGV[0]
    using errcode = 'read_only_sql_transaction',
    hint = 'change the legacy data and rebuild with `harness build`; never edit the built target by hand';
end
$fn$;
