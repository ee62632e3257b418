-- The target is the application's schema: its tables and columns, with their
-- types (format_type(), the schema prefix of the target's own enum types
-- stripped), nullability and server defaults, are exactly those of
-- seeds/app_schema_columns.csv (facts read from the application's source).
-- Returns a row per missing or extra table, missing or extra column, column
-- whose type or nullability differs, and column whose server default differs
-- (a create path that leaves the column out gets the default, or fails on NOT
-- NULL without it); a default is compared as its value, without the quotes
-- and cast pg_get_expr() adds. The one deliberate extra: every id defaults to
-- gen_random_uuid() (the application makes uuid4s itself). The harness keeps
-- no table of its own in the target schema; after a cutover the live schema
-- holds the application's own tables too (carried by the swap), which are not
-- the target's to judge.
-- runs after every mart is built (it reads the catalog, not the tables):
-- depends_on: {{ ref('organizations') }}
-- depends_on: {{ ref('users') }}
-- depends_on: {{ ref('machines') }}
-- depends_on: {{ ref('parts') }}
-- depends_on: {{ ref('warehouses') }}
-- depends_on: {{ ref('inventory') }}
-- depends_on: {{ ref('transactions') }}
-- depends_on: {{ ref('supplier_orders') }}
-- depends_on: {{ ref('supplier_order_items') }}
-- depends_on: {{ ref('customer_orders') }}
-- depends_on: {{ ref('customer_order_items') }}
-- depends_on: {{ ref('part_usage') }}
-- depends_on: {{ ref('stock_adjustments') }}
-- depends_on: {{ ref('alembic_version') }}
-- depends_on: {{ ref('invitation_audit_logs') }}
-- depends_on: {{ ref('user_management_audit_logs') }}
-- depends_on: {{ ref('security_events') }}
-- depends_on: {{ ref('user_sessions') }}
-- depends_on: {{ ref('transaction_approvals') }}
-- depends_on: {{ ref('part_order_requests') }}
-- depends_on: {{ ref('part_order_items') }}
-- depends_on: {{ ref('machine_maintenance') }}
-- depends_on: {{ ref('maintenance_part_usage') }}
-- depends_on: {{ ref('machine_part_compatibility') }}
-- depends_on: {{ ref('predictive_maintenance_models') }}
-- depends_on: {{ ref('machine_predictions') }}
-- depends_on: {{ ref('maintenance_recommendations') }}
-- depends_on: {{ ref('machine_model_associations') }}
-- depends_on: {{ ref('recommended_parts') }}
-- depends_on: {{ ref('maintenance_indicators') }}
-- depends_on: {{ ref('machine_indicator_values') }}
-- depends_on: {{ ref('stocktakes') }}
-- depends_on: {{ ref('stocktake_items') }}
-- depends_on: {{ ref('inventory_alerts') }}
-- depends_on: {{ ref('inventory_adjustments') }}

{{ config(**check_config('critical',
    "the target schema is not the application's ({value}): fix the mart, or seeds/app_schema_columns.csv if the application changed; rebuild",
    phase='post')) }}

with expected as (
    select
        table_name,
        column_name,
        data_type,
        is_nullable,
        column_default
    from {{ ref('app_schema_columns') }}
),

tables as (
    select c.relname::text as table_name
    from pg_class as c
    where
        c.relnamespace = '{{ target_tables_schema() }}'::regnamespace
        and c.relkind in ('r', 'p')
),

actual as (
    select
        c.relname::text as table_name,
        a.attname::text as column_name,
        replace(
            format_type(a.atttypid, a.atttypmod), quote_ident('{{ target_tables_schema() }}') || '.', ''
        ) as data_type,
        not a.attnotnull as is_nullable,
        -- 'active'::machinestatus -> active, now() -> now()
        regexp_replace(pg_get_expr(d.adbin, d.adrelid), '^''(.*)''::.+$', '\1') as column_default
    from pg_attribute as a
    inner join pg_class as c on a.attrelid = c.oid
    left join pg_attrdef as d on a.attrelid = d.adrelid and a.attnum = d.adnum
    where
        c.relnamespace = '{{ target_tables_schema() }}'::regnamespace
        and c.relkind in ('r', 'p')
        and a.attnum > 0
        and not a.attisdropped
),

missing_tables as (
    select distinct
        expected.table_name as id,
        'table ' || expected.table_name || ' is missing' as value
    from expected
    where expected.table_name not in (select tables.table_name from tables)
),

extra_tables as (
    {%- if target_tables_schema() == var('shadow_schema') %}
        select
            tables.table_name as id,
            'table ' || tables.table_name || ' is not the application''s' as value
        from tables
        where tables.table_name not in (select expected.table_name from expected)
    {%- else %}
        -- after a cutover the live schema also holds the application's own tables, which the swap
        -- carried along (harness/db/surroundings.py): a table there that is not the target's is the application's
        select
            null::text as id,
            null::text as value
        where false
    {%- endif %}
),

columns_compared as (
    select
        expected.data_type as expected_type,
        actual.data_type as actual_type,
        expected.is_nullable as expected_nullable,
        actual.is_nullable as actual_nullable,
        expected.column_default as expected_default,
        actual.column_default as actual_default,
        coalesce(expected.table_name, actual.table_name) as table_name,
        coalesce(expected.column_name, actual.column_name) as column_name
    from expected
    full outer join actual on expected.table_name = actual.table_name and expected.column_name = actual.column_name
),

differing_columns as (
    select
        table_name || '.' || column_name as id,
        'column ' || table_name || '.' || column_name || ' ' || case
            when actual_type is null then 'is missing'
            when expected_type is null then 'is not the application''s'
            else
                'is ' || actual_type || case when actual_nullable then ' null' else ' not null' end
                || ', the application has ' || expected_type
                || case when expected_nullable then ' null' else ' not null' end
        end as value
    from columns_compared
    where
        table_name in (select tables.table_name from tables)
        and table_name in (select expected.table_name from expected)
        and (
            actual_type is distinct from expected_type
            or actual_nullable is distinct from expected_nullable
        )
),

differing_defaults as (
    select
        table_name || '.' || column_name as id,
        'column ' || table_name || '.' || column_name || ' has '
        || coalesce('the default ' || actual_default, 'no default') || ', the application has '
        || coalesce('the default ' || expected_default, 'none') as value
    from columns_compared
    where
        table_name in (select tables.table_name from tables)
        and actual_type is not null
        and expected_type is not null
        and actual_default is distinct from expected_default
        and not (column_name = 'id' and expected_default is null and actual_default = 'gen_random_uuid()')
)

select * from missing_tables
union all
select * from extra_tables
union all
select * from differing_columns
union all
select * from differing_defaults
