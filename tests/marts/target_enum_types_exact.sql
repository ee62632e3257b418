-- The target's enum types exist in the target schema with exactly the
-- application's labels, in order. Returns the types that differ.
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
    'enum type {value} differs from the application: rebuild; never edit the target schema by hand',
    phase='post')) }}

with expected as (
    {%- for type_name, labels in enum_types().items() %}
        select
            '{{ type_name }}' as type_name,
            '{{ labels | join(",") }}' as labels
        {{- " union all" if not loop.last }}
    {%- endfor %}
),

actual as (
    select
        t.typname as type_name,
        string_agg(e.enumlabel, ',' order by e.enumsortorder) as labels
    from pg_type as t
    inner join pg_enum as e on t.oid = e.enumtypid
    where t.typnamespace = '{{ target_tables_schema() }}'::regnamespace
    group by t.typname
)

select
    expected.type_name as id,
    expected.type_name || ': ' || coalesce(actual.labels, '(missing)') as value
from expected
left join actual on expected.type_name = actual.type_name
where actual.labels is distinct from expected.labels
