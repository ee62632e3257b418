-- One row per ledger movement derived from a migrated legacy row:
--   part_usage              -> consumption from the customer's holding warehouse
--   stock_adjustments       -> adjustment (signed) at the inventory row's warehouse
--   delivered supplier item -> creation into the ordering organisation's warehouse
--   delivered customer item -> transfer from the selling (oraseas) organisation to the customer
-- "Holding warehouse" = where the organisation stocks the part, else its Main Warehouse.
-- performed_by = the recorded user, else the organisation's fallback performer.
with usage as (
    select * from {{ ref('int_part_usage__placed') }}
    where quarantine_reason is null
),

adjustments as (
    select * from {{ ref('int_stock_adjustments__placed') }}
    where quarantine_reason is null
),

supplier_items as (
    select * from {{ ref('int_supplier_order_items__checked') }}
    where quarantine_reason is null and is_delivered
),

customer_items as (
    select * from {{ ref('int_customer_order_items__checked') }}
    where quarantine_reason is null and is_delivered
),

holdings as (
    select * from {{ ref('int_inventory__holdings') }}
),

performers as (
    select * from {{ ref('int_performers__fallback') }}
),

consumptions as (
    select
        'part_usage' as source_table,
        part_usage_id as source_id,
        'consumption' as transaction_type,
        part_id,
        customer_organization_id as from_organization_id,
        warehouse_id as from_warehouse_id,
        placed_in_main_warehouse as from_is_fallback,
        null::uuid as to_organization_id,
        null::uuid as to_warehouse_id,
        false as to_is_fallback,
        machine_id_migrated as machine_id,
        quantity_used::numeric(10, 3) as quantity,
        unit_of_measure,
        recorded_by_user_id_migrated as recorded_user_id,
        customer_organization_id as acting_organization_id,
        usage_date as transaction_date,
        notes,
        'part_usage:' || part_usage_id as reference_number,
        created_at
    from usage
),

adjustment_movements as (
    select
        'stock_adjustments' as source_table,
        stock_adjustment_id as source_id,
        'adjustment' as transaction_type,
        part_id,
        null::uuid as from_organization_id,
        null::uuid as from_warehouse_id,
        false as from_is_fallback,
        organization_id as to_organization_id,
        warehouse_id as to_warehouse_id,
        false as to_is_fallback,
        null::uuid as machine_id,
        quantity_adjusted::numeric(10, 3) as quantity,
        unit_of_measure,
        user_id as recorded_user_id,
        organization_id as acting_organization_id,
        adjustment_date as transaction_date,
        reason_code || coalesce(': ' || notes, '') as notes,
        'stock_adjustment:' || stock_adjustment_id as reference_number,
        created_at
    from adjustments
),

creations as (
    select
        'supplier_order_items' as source_table,
        items.supplier_order_item_id as source_id,
        'creation' as transaction_type,
        items.part_id,
        null::uuid as from_organization_id,
        null::uuid as from_warehouse_id,
        false as from_is_fallback,
        items.ordering_organization_id as to_organization_id,
        coalesce(
            holdings.warehouse_id,
            {{ warehouse_id('items.ordering_organization_id', "'main warehouse'") }}
        ) as to_warehouse_id,
        holdings.warehouse_id is null as to_is_fallback,
        null::uuid as machine_id,
        items.quantity::numeric(10, 3) as quantity,
        items.unit_of_measure,
        null::uuid as recorded_user_id,
        items.ordering_organization_id as acting_organization_id,
        items.delivered_at as transaction_date,
        format('Delivered by supplier %s', items.supplier_name) as notes,
        'supplier_order:' || items.supplier_order_id as reference_number,
        items.created_at
    from supplier_items as items
    left join holdings
        on items.ordering_organization_id = holdings.organization_id
        and items.part_id = holdings.part_id
),

transfers as (
    select
        'customer_order_items' as source_table,
        items.customer_order_item_id as source_id,
        'transfer' as transaction_type,
        items.part_id,
        items.oraseas_organization_id as from_organization_id,
        coalesce(
            seller.warehouse_id,
            {{ warehouse_id('items.oraseas_organization_id', "'main warehouse'") }}
        ) as from_warehouse_id,
        seller.warehouse_id is null as from_is_fallback,
        items.customer_organization_id as to_organization_id,
        coalesce(
            buyer.warehouse_id,
            {{ warehouse_id('items.customer_organization_id', "'main warehouse'") }}
        ) as to_warehouse_id,
        buyer.warehouse_id is null as to_is_fallback,
        null::uuid as machine_id,
        items.quantity::numeric(10, 3) as quantity,
        items.unit_of_measure,
        items.ordered_by_user_id_migrated as recorded_user_id,
        items.oraseas_organization_id as acting_organization_id,
        items.delivered_at as transaction_date,
        'Delivered to customer' as notes,
        'customer_order:' || items.customer_order_id as reference_number,
        items.created_at
    from customer_items as items
    left join holdings as seller
        on items.oraseas_organization_id = seller.organization_id
        and items.part_id = seller.part_id
    left join holdings as buyer
        on items.customer_organization_id = buyer.organization_id
        and items.part_id = buyer.part_id
),

movements as (
    select * from consumptions
    union all
    select * from adjustment_movements
    union all
    select * from creations
    union all
    select * from transfers
),

final as (
    select
        movements.*,
        md5(movements.transaction_type || ':' || movements.source_id::text)::uuid as transaction_id,
        coalesce(movements.recorded_user_id, performers.performer_user_id) as performed_by_user_id,
        movements.recorded_user_id is null as performed_by_is_fallback
    from movements
    left join performers on movements.acting_organization_id = performers.organization_id
)

select * from final
