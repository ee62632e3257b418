-- The constraints the application relies on exist in the target schema,
-- under the names Alembic gives them. Returns the missing ones.
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
    'constraint {value} is missing: rebuild; never edit the target schema by hand',
    phase='post')) }}

{%- set expected = [
    'organizations_pkey', 'organizations_name_key', 'organizations_parent_organization_id_fkey', 'supplier_must_have_parent',
    'users_pkey', 'users_username_key', 'users_email_key', 'users_organization_id_fkey', 'fk_users_invited_by_user_id',
    'machines_pkey', 'machines_serial_number_key', 'machines_customer_organization_id_fkey',
    'parts_pkey', 'parts_part_number_key',
    'warehouses_pkey', '_org_warehouse_name_uc', 'warehouses_organization_id_fkey',
    'inventory_pkey', '_warehouse_part_uc', 'inventory_warehouse_id_fkey', 'inventory_part_id_fkey',
    'transactions_pkey', 'transactions_part_id_fkey', 'transactions_from_warehouse_id_fkey',
    'transactions_to_warehouse_id_fkey', 'transactions_machine_id_fkey', 'transactions_performed_by_user_id_fkey',
    'supplier_orders_pkey', 'supplier_orders_ordering_organization_id_fkey',
    'supplier_order_items_pkey', 'supplier_order_items_supplier_order_id_fkey', 'supplier_order_items_part_id_fkey',
    'customer_orders_pkey', 'customer_orders_customer_organization_id_fkey', 'customer_orders_oraseas_organization_id_fkey',
    'customer_orders_ordered_by_user_id_fkey',
    'customer_order_items_pkey', 'customer_order_items_customer_order_id_fkey', 'customer_order_items_part_id_fkey',
    'part_usage_pkey', 'part_usage_customer_organization_id_fkey', 'part_usage_part_id_fkey',
    'part_usage_machine_id_fkey', 'part_usage_recorded_by_user_id_fkey', 'part_usage_warehouse_id_fkey',
    'stock_adjustments_pkey', 'stock_adjustments_inventory_id_fkey', 'stock_adjustments_user_id_fkey',
    'invitation_audit_logs_pkey', 'invitation_audit_logs_performed_by_user_id_fkey',
    'invitation_audit_logs_user_id_fkey',
    'user_management_audit_logs_pkey', 'user_management_audit_logs_performed_by_user_id_fkey',
    'user_management_audit_logs_user_id_fkey',
    'security_events_pkey', 'security_events_user_id_fkey',
    'user_sessions_pkey', 'user_sessions_user_id_fkey',
    'transaction_approvals_pkey', 'transaction_approvals_approver_id_fkey', 'transaction_approvals_transaction_id_fkey',
    'part_order_requests_pkey', 'part_order_requests_approved_by_user_id_fkey',
    'part_order_requests_customer_organization_id_fkey', 'part_order_requests_received_by_user_id_fkey',
    'part_order_requests_requested_by_user_id_fkey', 'part_order_requests_supplier_organization_id_fkey',
    'part_order_items_pkey', 'part_order_items_destination_warehouse_id_fkey', 'part_order_items_order_request_id_fkey',
    'part_order_items_part_id_fkey',
    'machine_maintenance_pkey', 'machine_maintenance_machine_id_fkey', 'machine_maintenance_performed_by_user_id_fkey',
    'maintenance_part_usage_pkey', 'maintenance_part_usage_maintenance_id_fkey', 'maintenance_part_usage_part_id_fkey',
    'maintenance_part_usage_warehouse_id_fkey',
    'machine_part_compatibility_pkey', '_machine_part_uc', 'machine_part_compatibility_machine_id_fkey',
    'machine_part_compatibility_part_id_fkey',
    'predictive_maintenance_models_pkey', 'predictive_maintenance_models_created_by_user_id_fkey',
    'machine_predictions_pkey', 'machine_predictions_machine_id_fkey', 'machine_predictions_predictive_model_id_fkey',
    'maintenance_recommendations_pkey', 'maintenance_recommendations_machine_id_fkey',
    'maintenance_recommendations_prediction_id_fkey', 'maintenance_recommendations_resolved_by_maintenance_id_fkey',
    'machine_model_associations_pkey', '_predictive_model_machine_model_uc',
    'machine_model_associations_predictive_model_id_fkey',
    'recommended_parts_pkey', 'recommended_parts_part_id_fkey', 'recommended_parts_recommendation_id_fkey',
    'maintenance_indicators_pkey',
    'machine_indicator_values_pkey', 'machine_indicator_values_indicator_id_fkey',
    'machine_indicator_values_machine_id_fkey', 'machine_indicator_values_recorded_by_user_id_fkey',
    'stocktakes_pkey', 'stocktakes_completed_by_user_id_fkey', 'stocktakes_scheduled_by_user_id_fkey',
    'stocktakes_warehouse_id_fkey',
    'stocktake_items_pkey', 'stocktake_items_counted_by_user_id_fkey', 'stocktake_items_part_id_fkey',
    'stocktake_items_stocktake_id_fkey',
    'inventory_alerts_pkey', 'inventory_alerts_part_id_fkey', 'inventory_alerts_resolved_by_user_id_fkey',
    'inventory_alerts_warehouse_id_fkey',
    'inventory_adjustments_pkey', 'inventory_adjustments_adjusted_by_user_id_fkey',
    'inventory_adjustments_part_id_fkey', 'inventory_adjustments_stocktake_id_fkey',
    'inventory_adjustments_transaction_id_fkey', 'inventory_adjustments_warehouse_id_fkey',
    'alembic_version_pkc',
] %}

with expected (conname) as (
    values
    {%- for name in expected %}
        ('{{ name }}'){{ "," if not loop.last }}
    {%- endfor %}
)

select
    expected.conname as id,
    expected.conname as value
from expected
where not exists (
        select 1 from pg_constraint as c
        where c.conname = expected.conname and c.connamespace = '{{ target_tables_schema() }}'::regnamespace
    )
