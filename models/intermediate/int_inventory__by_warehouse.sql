-- One row per legacy inventory row, placed in the warehouse of its
-- (organisation, normalised location); quantities as numeric, unit from the part.
with inventory as (
    select * from {{ ref('stg_legacy__inventory') }}
),

organizations as (
    select * from {{ ref('int_organizations__typed') }}
),

parts as (
    select * from {{ ref('int_parts__classified') }}
),

located as (
    select
        inventory.*,
        {{ warehouse_id('inventory.organization_id', 'inventory.location_key') }} as warehouse_id,
        organizations.organization_type,
        organizations.quarantine_reason as organization_quarantine_reason,
        parts.quarantine_reason as part_quarantine_reason,
        parts.unit_of_measure,
        inventory.current_stock::numeric(10, 3) as current_stock_decimal,
        inventory.minimum_stock_recommendation::numeric(10, 3) as minimum_stock_decimal
    from inventory
    left join organizations on inventory.organization_id = organizations.organization_id
    left join parts on inventory.part_id = parts.part_id
),

checked as (
    select
        *,
        case
            when organization_quarantine_reason is not null or part_quarantine_reason is not null
                then 'parent_quarantined'
            when current_stock < 0 then 'negative_stock'
        end as quarantine_reason,
        case
            when organization_quarantine_reason is not null or part_quarantine_reason is not null then 'error'
            when current_stock < 0 then 'error'
        end as quarantine_severity,
        case
            when organization_quarantine_reason is not null
                then format('organisation %s is quarantined (%s)', organization_id, organization_quarantine_reason)
            when part_quarantine_reason is not null
                then format('part %s is quarantined (%s)', part_id, part_quarantine_reason)
            when current_stock < 0 then format('current_stock is %s', current_stock)
        end as quarantine_detail
    from located
)

select * from checked
