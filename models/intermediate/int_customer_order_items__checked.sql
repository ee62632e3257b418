-- One row per legacy customer order item, with its order's delivery facts.
with items as (
    select * from {{ ref('stg_legacy__customer_order_items') }}
),

orders as (
    select * from {{ ref('int_customer_orders__checked') }}
),

parts as (
    select * from {{ ref('int_parts__classified') }}
),

checked as (
    select
        items.*,
        orders.customer_organization_id,
        orders.oraseas_organization_id,
        orders.ordered_by_user_id_migrated,
        orders.is_delivered,
        coalesce(orders.actual_delivery_date, orders.order_date) as delivered_at,
        parts.unit_of_measure,
        {{ quarantine_columns(
            parent_rules('items.customer_order_id', 'orders.customer_order_id', 'orders.quarantine_reason', 'customer order')
            + parent_rules('items.part_id', 'parts.part_id', 'parts.quarantine_reason', 'part')
            + [{'when': 'items.quantity is null or abs(items.quantity) >= 10000000', 'reason': 'quantity_out_of_range', 'severity': 'error',
               'detail': "format('quantity %s does not fit numeric(10,3)', items.quantity)"},
              {'when': "items.unit_price = 'NaN'", 'reason': 'numeric_nan', 'severity': 'error',
               'detail': "'unit_price is NaN (not a number)'"}]
        ) }}
    from items
    left join orders on items.customer_order_id = orders.customer_order_id
    left join parts on items.part_id = parts.part_id
)

select * from checked
