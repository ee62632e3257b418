-- Dates the migrated ledger is built from (deliveries, usage, adjustments,
-- the stock rows themselves) outside any plausible window (before 2000, or
-- after tomorrow). They are migrated as they are; the opening balances are
-- dated from the plausible ones only, so one such date cannot re-date them.
{{ config(**check_config('warning',
    'check the date {value}: it is migrated as it is, but nothing on the ledger is dated from it')) }}

{%- set dated = [
    ('inventory', 'created_at'),
    ('supplier_orders', 'order_date'),
    ('supplier_orders', 'actual_delivery_date'),
    ('customer_orders', 'order_date'),
    ('customer_orders', 'actual_delivery_date'),
    ('part_usage', 'usage_date'),
    ('stock_adjustments', 'adjustment_date'),
] %}

with dates as (
    {%- for table, column in dated %}
        select
            id,
            '{{ table }}.{{ column }}' as field,
            {{ column }} as value
        from {{ source('legacy', table) }}
        {{- " union all" if not loop.last }}
    {%- endfor %}
)

select
    id::text as id,
    format('%s = %s', field, value) as value
from dates
where not ({{ plausible_date('value') }})
