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
        inventory.quarantine_reason as inventory_quarantine_reason,
        users.quarantine_reason as user_quarantine_reason
    from adjustments
    left join inventory on adjustments.inventory_id = inventory.inventory_id
    left join users on adjustments.user_id = users.user_id
),

checked as (
    select
        *,
        case
            when inventory_quarantine_reason is not null or user_quarantine_reason is not null
                then 'parent_quarantined'
        end as quarantine_reason,
        case
            when inventory_quarantine_reason is not null or user_quarantine_reason is not null then 'error'
        end as quarantine_severity,
        case
            when inventory_quarantine_reason is not null
                then format('inventory row %s is quarantined (%s)', inventory_id, inventory_quarantine_reason)
            when user_quarantine_reason is not null
                then format('user %s is quarantined (%s)', user_id, user_quarantine_reason)
        end as quarantine_detail
    from placed
)

select * from checked
