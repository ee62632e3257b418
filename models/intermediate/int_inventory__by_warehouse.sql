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
        -- a value that does not fit numeric(10,3) is quarantined below, never cast
        case
            when abs(inventory.current_stock) < 10000000 then inventory.current_stock::numeric(10, 3)
        end as current_stock_decimal,
        case
            when abs(inventory.minimum_stock_recommendation) < 10000000
                then inventory.minimum_stock_recommendation::numeric(10, 3)
        end as minimum_stock_decimal,
        {{ duplicate_rank('inventory.organization_id, inventory.part_id', 'inventory.inventory_id') }}
            as position_rank
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
            {'when': 'current_stock_decimal is null or minimum_stock_decimal is null',
             'reason': 'stock_out_of_range', 'severity': 'error',
             'detail': "format('current_stock %s, minimum_stock_recommendation %s do not fit numeric(10,3)', "
                       ~ "current_stock, minimum_stock_recommendation)"},
            {'when': 'current_stock < 0', 'reason': 'negative_stock', 'severity': 'error',
             'detail': "format('current_stock is %s', current_stock)"},
            {'when': 'position_rank > 1', 'reason': 'duplicate_inventory_position', 'severity': 'error',
             'detail': "format('another inventory row holds organisation %s, part %s', organization_id, part_id)"},
        ]) }}
    from located
)

select * from checked
