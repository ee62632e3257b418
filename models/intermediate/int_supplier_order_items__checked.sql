-- One row per legacy supplier order item, with its order's delivery facts.
with items as (
    select * from {{ ref('stg_legacy__supplier_order_items') }}
),

orders as (
    select * from {{ ref('int_supplier_orders__checked') }}
),

parts as (
    select * from {{ ref('int_parts__classified') }}
),

checked as (
    select
        items.*,
        orders.ordering_organization_id,
        orders.supplier_name,
        orders.is_delivered,
        coalesce(orders.actual_delivery_date, orders.order_date) as delivered_at,
        parts.unit_of_measure,
        {{ quarantine_columns(
            parent_rules('items.supplier_order_id', 'orders.supplier_order_id', 'orders.quarantine_reason', 'supplier order')
            + parent_rules('items.part_id', 'parts.part_id', 'parts.quarantine_reason', 'part')
            + [{'when': 'items.quantity is null or abs(items.quantity) >= 10000000', 'reason': 'quantity_out_of_range', 'severity': 'error',
               'detail': "format('quantity %s does not fit numeric(10,3)', items.quantity)"},
              {'when': "items.unit_price = 'NaN'", 'reason': 'numeric_nan', 'severity': 'error',
               'detail': "'unit_price is NaN (not a number)'"}]
        ) }}
    from items
    left join orders on items.supplier_order_id = orders.supplier_order_id
    left join parts on items.part_id = parts.part_id
)

select * from checked
