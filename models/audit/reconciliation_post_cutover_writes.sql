-- One row per target row the application wrote after the cutover in place
-- (grain: table and row id), with the stock positions the write touched. The
-- proofs leave these rows and positions out: they prove the migration, not
-- what the application did since. Empty unless the checks read the live
-- schema after a cutover; during a build they read <live>_next, which nobody
-- writes. A view: each proof reads it in the same statement, so in the same
-- snapshot, as the target rows it leaves out (the application keeps writing).
-- Which branch is decided when the view is built (macros/read_schemas.sql): dbt
-- records both sources whatever the branch.
-- depends_on: {{ source('harness_audit', 'steps') }}, {{ source('harness_audit', 'change_log') }}
{{ config(materialized='view') }}
{%- if target_tables_schema() == var('live_schema') %}
    with cutover as (
        select max(run_id) as run_id
        from {{ source('harness_audit', 'steps') }}
        where live_schema = '{{ var("live_schema") }}' and step = 'cutover' and outcome = 'ok'
    ),

    -- the log keeps each row's primary key as text; every target table but alembic_version
    -- (not captured) is keyed by a uuid id
    writes as (
        select
            change_log.table_name,
            case
                when change_log.row_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                    then change_log.row_id::uuid
            end as row_id,
            coalesce(change_log.new_row, change_log.old_row) as written_row
        from {{ source('harness_audit', 'change_log') }} as change_log
        inner join cutover on change_log.run_id = cutover.run_id
        where
            change_log.live_schema = '{{ var("live_schema") }}'
            and change_log.side = 'target'
    ),

    final as (
        select distinct
            table_name,
            row_id,
            coalesce(written_row ->> 'warehouse_id', written_row ->> 'to_warehouse_id')::uuid as warehouse_id,
            (written_row ->> 'from_warehouse_id')::uuid as other_warehouse_id,
            (written_row ->> 'part_id')::uuid as part_id
        from writes
        where row_id is not null
    )

    select * from final
{%- else %}
    select
        null::text as table_name,
        null::uuid as row_id,
        null::uuid as warehouse_id,
        null::uuid as other_warehouse_id,
        null::uuid as part_id
    where false
{%- endif %}
