-- One row per legacy table: rows in the stage (legacy snapshot), rows that
-- reached the target with their legacy id, rows quarantined, and target rows
-- carrying a legacy-table id that the legacy table does not have. Computed
-- from the sources and the marts directly, not from the intermediate logic.
-- After a cutover, rows the application wrote since are left out on both sides.
{%- set tables = ['organizations', 'users', 'machines', 'parts', 'inventory', 'supplier_orders',
    'supplier_order_items', 'customer_orders', 'customer_order_items', 'part_usage', 'stock_adjustments'] %}

with written as (
    select * from {{ ref('reconciliation_post_cutover_writes') }}
),

quarantine as (
    select
        source_table,
        count(*) as quarantined
    from {{ ref('migration_quarantine') }}
    group by source_table
),

-- per table, each side counted on its own: the legacy rows, and the target rows with or without
-- a legacy row of their id (a join of the two would count a row doubled under one id on both
-- sides, and hide it)
counts as (
    {%- for table in tables %}
        {%- set not_written = "not exists (select 1 from written where written.table_name = '"
            ~ table ~ "' and written.row_id = ALIAS.id)" %}
        select
            '{{ table }}' as legacy_table,
            (
                select count(*) from {{ source('legacy', table) }} as legacy
                where {{ not_written | replace('ALIAS', 'legacy') }}
            ) as rows_in,
            (
                select count(*) from {{ ref(table) }} as target
                where
                    {{ not_written | replace('ALIAS', 'target') }}
                    and exists (
                        select 1 from {{ source('legacy', table) }} as legacy
                        where legacy.id = target.id
                    )
            ) as migrated,
            (
                select count(*) from {{ ref(table) }} as target
                where
                    {{ not_written | replace('ALIAS', 'target') }}
                    and not exists (
                        select 1 from {{ source('legacy', table) }} as legacy
                        where legacy.id = target.id
                    )
            ) as unexpected_in_target
        {{- " union all" if not loop.last }}
    {%- endfor %}
),

final as (
    select
        counts.legacy_table,
        counts.rows_in,
        counts.migrated,
        counts.unexpected_in_target,
        coalesce(quarantine.quarantined, 0) as quarantined,
        counts.rows_in - counts.migrated - coalesce(quarantine.quarantined, 0) as unaccounted
    from counts
    left join quarantine on counts.legacy_table = quarantine.source_table
)

select * from final
