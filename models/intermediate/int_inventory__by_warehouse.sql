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
        organizations.organization_id as organization_found,
        organizations.quarantine_reason as organization_quarantine_reason,
        parts.part_id as part_found,
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
        {{ quarantine_columns(
            parent_rules('organization_id', 'organization_found', 'organization_quarantine_reason', 'organisation')
            + parent_rules('part_id', 'part_found', 'part_quarantine_reason', 'part') + [
            {'when': 'current_stock < 0', 'reason': 'negative_stock', 'severity': 'error',
             'detail': "format('current_stock is %s', current_stock)"},
        ]) }}
    from located
)

select * from checked
