-- The harness's own record of every migration: the whole DDL of the
-- migration_audit schema. Idempotent: harness/audit.py runs it before any
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
-- drift guard), target tables after the cutover (what a rollback carries back)
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

-- The capture triggers' function. security definer: the application's role
-- writes its rows without any privilege on migration_audit.
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
