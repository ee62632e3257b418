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

-- per table, each legacy id with the target row carrying it (either alone when the other has none)
counts as (
    {%- for table in tables %}
        select
            '{{ table }}' as legacy_table,
            count(legacy.id) as rows_in,
            count(legacy.id) filter (where target.id is not null) as migrated,
            count(target.id) filter (where legacy.id is null) as unexpected_in_target
        from {{ source('legacy', table) }} as legacy
        full outer join {{ ref(table) }} as target on legacy.id = target.id
        where not exists (
                select 1 from written
                where written.table_name = '{{ table }}' and written.row_id = coalesce(legacy.id, target.id)
            )
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
