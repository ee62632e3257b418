-- One row per (organisation, part) that has migrated stock: the warehouse
-- holding it. Legacy inventory is unique per (organisation, part), so the
-- holding warehouse is unique too. Movements of a part for an organisation
-- happen there; where the organisation holds none of the part, at its Main
-- Warehouse.
with inventory as (
    select * from {{ ref('int_inventory__by_warehouse') }}
),

final as (
    select
        organization_id,
        part_id,
        warehouse_id
    from inventory
    where quarantine_reason is null
)

select * from final
