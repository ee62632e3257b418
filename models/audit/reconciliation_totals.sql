-- One row per (legacy table, measure): the legacy total, the migrated total
-- (target rows with the legacy id) and the quarantined total. Order values
-- are quantity x unit_price; a price of numeric 'NaN' (numeric_nan_values,
-- quarantined with --force) counts as 0 on every side, where it would make
-- every total NaN. Built from the sources and marts directly. After a
-- cutover, rows the application wrote since are left out on both sides.
{%- set price_value = "quantity * coalesce(nullif(unit_price, 'NaN'), 0)" %}
{%- set measures = [
    ('supplier_order_items', 'quantity', 'quantity', 'quantity'),
    ('supplier_order_items', 'value', price_value, price_value),
    ('customer_order_items', 'quantity', 'quantity', 'quantity'),
    ('customer_order_items', 'value', price_value, price_value),
    ('part_usage', 'quantity', 'quantity_used', 'quantity'),
    ('stock_adjustments', 'quantity', 'quantity_adjusted', 'quantity_adjusted'),
] %}

with written as (
    select * from {{ ref('reconciliation_post_cutover_writes') }}
),

quarantine as (
    select * from {{ ref('migration_quarantine') }}
),

totals as (
    {%- for table, measure, legacy_expr, target_expr in measures %}
        select
            '{{ table }}' as legacy_table,
            '{{ measure }}' as measure,
            (
                select coalesce(sum({{ legacy_expr }}), 0) from {{ source('legacy', table) }} as legacy
                where not exists (
                        select 1 from written
                        where written.table_name = '{{ table }}' and written.row_id = legacy.id
                    )
            )::numeric(18, 3) as legacy_total,
            (
                select coalesce(sum({{ target_expr }}), 0) from {{ ref(table) }} as target
                where
                    exists (
                        select 1 from {{ source('legacy', table) }} as legacy
                        where legacy.id = target.id
                    )
                    and not exists (
                        select 1 from written
                        where written.table_name = '{{ table }}' and written.row_id = target.id
                    )
            )::numeric(18, 3) as migrated_total,
            (
                select coalesce(sum({{ legacy_expr }}), 0)
                from quarantine
                cross join lateral jsonb_populate_record(null::{{ source('legacy', table) }}, quarantine.legacy_row)
                where quarantine.source_table = '{{ table }}'
            )::numeric(18, 3) as quarantined_total
        {{- " union all" if not loop.last }}
    {%- endfor %}
),

final as (
    select
        *,
        legacy_total - migrated_total - quarantined_total as difference
    from totals
)

select * from final
