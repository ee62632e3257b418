{#
    The legacy columns the models do not read, in the schema the checks read
    (the stage, or the archive after a cutover): one row per column, as
    (id, value) with its number of non-null values. `expected` is the seed
    legacy_schema_columns. The columns are found in the catalog when the
    check runs, so the counting SQL is generated then (when the seed exists).
#}
{% macro legacy_columns_not_migrated(expected) -%}
    {%- set schema = legacy_tables_schema() %}
    {%- set legacy_tables = ['organizations', 'users', 'machines', 'parts', 'inventory', 'supplier_orders',
        'supplier_order_items', 'customer_orders', 'customer_order_items', 'part_usage', 'stock_adjustments'] %}
    {%- set extra = [] %}
    {#- docs generate and compile may run where the seed is not built: nothing to compare then #}
    {%- if execute and load_relation(expected) is not none %}
        {%- set found = run_query(
            "select c.table_name, c.column_name from information_schema.columns as c"
            ~ " where c.table_schema = '" ~ schema ~ "'"
            ~ " and c.table_name in ('" ~ legacy_tables | join("', '") ~ "')"
            ~ " and not exists (select 1 from " ~ expected
            ~ " as s where s.table_name = c.table_name and s.column_name = c.column_name)"
            ~ " order by 1, 2") %}
        {%- set extra = found.rows %}
    {%- endif %}
    {%- for row in extra %}
    select
        '{{ row[0] }}.{{ row[1] }}' as id,
        format('%s.%s is not migrated: %s non-null values', '{{ row[0] }}', '{{ row[1] }}',
               count({{ adapter.quote(row[1]) }})) as value
    from {{ adapter.quote(schema) }}.{{ adapter.quote(row[0]) }}
    union all
    {%- endfor %}
    select
        null::text as id,
        null::text as value
    where false
{%- endmacro %}
