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
        parts.unit_of_measure,
        coalesce(orders.actual_delivery_date, orders.order_date) as delivered_at,
        case
            when orders.quarantine_reason is not null or parts.quarantine_reason is not null
                then 'parent_quarantined'
        end as quarantine_reason,
        case
            when orders.quarantine_reason is not null or parts.quarantine_reason is not null then 'error'
        end as quarantine_severity,
        case
            when orders.quarantine_reason is not null
                then format('supplier order %s is quarantined', items.supplier_order_id)
            when parts.quarantine_reason is not null
                then format('part %s is quarantined (%s)', items.part_id, parts.quarantine_reason)
        end as quarantine_detail
    from items
    left join orders on items.supplier_order_id = orders.supplier_order_id
    left join parts on items.part_id = parts.part_id
)

select * from checked
