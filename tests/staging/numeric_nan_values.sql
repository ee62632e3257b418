-- numeric 'NaN' (not a number) in a numeric legacy column: no total, value
-- or price can be computed from it, and a report cannot hold it as a number.
-- Returns one row per such value, naming the table, column and row. The
-- numeric columns of the legacy schema (seeds/legacy_schema_columns.csv;
-- pytests/unit/test_checks.py keeps this list complete): the integers cannot
-- hold NaN.
{{ config(**check_config('error',
    "correct {value} in the live schema (NULL where it is unknown); --force quarantines the row")) }}

{%- set numeric_columns = [
    ('supplier_order_items', 'unit_price'),
    ('customer_order_items', 'unit_price'),
] %}

with nan_values as (
    {%- for table, column in numeric_columns %}
        select
            id,
            '{{ table }}.{{ column }}' as field
        from {{ source('legacy', table) }}
        where {{ column }} = 'NaN'
        {{- " union all" if not loop.last }}
    {%- endfor %}
)

select
    id::text as id,
    format('%s of row %s (NaN)', field, id) as value
from nan_values
