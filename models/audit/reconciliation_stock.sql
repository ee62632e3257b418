-- One row per (organisation, part) that holds stock on either side: legacy
-- current_stock, migrated stock (target inventory through its warehouse's
-- organisation) and quarantined stock (from the quarantined legacy rows).
-- Invariant 2: legacy = migrated + quarantined. After a cutover, the positions
-- the application's writes touched since are left out.
with touched as (
    select distinct
        warehouses.organization_id,
        written.part_id
    from {{ ref('reconciliation_post_cutover_writes') }} as written
    inner join {{ ref('warehouses') }} as warehouses
        on warehouses.id in (written.warehouse_id, written.other_warehouse_id)
    where written.part_id is not null
),

legacy as (
    select
        organization_id,
        part_id,
        sum(current_stock)::numeric(14, 3) as legacy_stock,
        count(*) as legacy_rows
    from {{ source('legacy', 'inventory') }}
    group by organization_id, part_id
),

migrated as (
    select
        warehouses.organization_id,
        inventory.part_id,
        sum(inventory.current_stock)::numeric(14, 3) as migrated_stock,
        count(*) as migrated_rows
    from {{ ref('inventory') }} as inventory
    inner join {{ ref('warehouses') }} as warehouses on inventory.warehouse_id = warehouses.id
    group by warehouses.organization_id, inventory.part_id
),

quarantined as (
    select
        (legacy_row ->> 'organization_id')::uuid as organization_id,
        (legacy_row ->> 'part_id')::uuid as part_id,
        sum((legacy_row ->> 'current_stock')::numeric)::numeric(14, 3) as quarantined_stock,
        count(*) as quarantined_rows
    from {{ ref('migration_quarantine') }}
    where source_table = 'inventory'
    group by (legacy_row ->> 'organization_id')::uuid, (legacy_row ->> 'part_id')::uuid
),

final as (
    select
        coalesce(legacy.organization_id, migrated.organization_id, quarantined.organization_id) as organization_id,
        coalesce(legacy.part_id, migrated.part_id, quarantined.part_id) as part_id,
        coalesce(legacy.legacy_stock, 0) as legacy_stock,
        coalesce(migrated.migrated_stock, 0) as migrated_stock,
        coalesce(quarantined.quarantined_stock, 0) as quarantined_stock,
        coalesce(legacy.legacy_stock, 0) - coalesce(migrated.migrated_stock, 0)
        - coalesce(quarantined.quarantined_stock, 0) as difference
    from legacy
    full outer join migrated
        on legacy.organization_id = migrated.organization_id and legacy.part_id = migrated.part_id
    full outer join quarantined
        on coalesce(legacy.organization_id, migrated.organization_id) = quarantined.organization_id
        and coalesce(legacy.part_id, migrated.part_id) = quarantined.part_id
)

select * from final
where not exists (
        select 1 from touched
        where touched.organization_id = final.organization_id and touched.part_id = final.part_id
    )
