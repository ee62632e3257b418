-- One row per legacy stock adjustment, at the warehouse of its inventory row.
-- user_id is NOT NULL in the target, so a quarantined user quarantines the row.
with adjustments as (
    select * from {{ ref('stg_legacy__stock_adjustments') }}
),

inventory as (
    select * from {{ ref('int_inventory__by_warehouse') }}
),

users as (
    select * from {{ ref('int_users__mapped') }}
),

placed as (
    select
        adjustments.*,
        inventory.warehouse_id,
        inventory.organization_id,
        inventory.part_id,
        inventory.unit_of_measure,
        inventory.inventory_id as inventory_found,
        inventory.quarantine_reason as inventory_quarantine_reason,
        users.user_id as user_found,
        users.quarantine_reason as user_quarantine_reason
    from adjustments
    left join inventory on adjustments.inventory_id = inventory.inventory_id
    left join users on adjustments.user_id = users.user_id
),

checked as (
    select
        *,
        {{ quarantine_columns(
            parent_rules('inventory_id', 'inventory_found', 'inventory_quarantine_reason', 'inventory row')
            + parent_rules('user_id', 'user_found', 'user_quarantine_reason', 'user')
            + [{'when': 'quantity_adjusted is null or abs(quantity_adjusted) >= 10000000', 'reason': 'quantity_out_of_range', 'severity': 'error',
               'detail': "format('quantity_adjusted %s does not fit numeric(10,3)', quantity_adjusted)"}]
        ) }}
    from placed
)

select * from checked
