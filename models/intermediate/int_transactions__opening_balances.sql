-- One row per (warehouse, part) whose legacy stock is not explained by the
-- migrated movements: an `adjustment` dated before all history with
-- quantity = current stock - net movement. With it the ledger sums to the
-- inventory exactly (invariant 2) while the history is kept.
with inventory as (
    select * from {{ ref('int_inventory__by_warehouse') }}
    where quarantine_reason is null
),

movements as (
    select * from {{ ref('int_transactions__movements') }}
),

parts as (
    select * from {{ ref('int_parts__classified') }}
),

performers as (
    select * from {{ ref('int_performers__fallback') }}
),

effects as (
    select
        to_warehouse_id as warehouse_id,
        to_organization_id as organization_id,
        part_id,
        quantity as delta
    from movements
    where to_warehouse_id is not null
    union all
    select
        from_warehouse_id as warehouse_id,
        from_organization_id as organization_id,
        part_id,
        -quantity as delta
    from movements
    where from_warehouse_id is not null
),

net_movements as (
    select
        warehouse_id,
        organization_id,
        part_id,
        sum(delta) as net_movement
    from effects
    group by warehouse_id, organization_id, part_id
),

positions as (
    select
        coalesce(inventory.warehouse_id, net_movements.warehouse_id) as warehouse_id,
        coalesce(inventory.organization_id, net_movements.organization_id) as organization_id,
        coalesce(inventory.part_id, net_movements.part_id) as part_id,
        coalesce(inventory.current_stock_decimal, 0) as current_stock,
        coalesce(net_movements.net_movement, 0) as net_movement
    from inventory
    full outer join net_movements
        on inventory.warehouse_id = net_movements.warehouse_id
        and inventory.part_id = net_movements.part_id
),

-- dated before all history, from plausible dates only: one implausible date
-- (implausible_ledger_dates) must not re-date every opening balance
opening_date as (
    select least(
        (
            select min(transaction_date) from movements
            where {{ plausible_date('transaction_date') }}
        ),
        (
            select min(created_at) from inventory
            where {{ plausible_date('created_at') }}
        )
    ) - interval '1 second' as transaction_date
),

final as (
    select
        {{ stable_uuid('opening-balance', "positions.warehouse_id::text || ':' || positions.part_id::text") }}
            as transaction_id,
        'adjustment' as transaction_type,
        positions.part_id,
        positions.organization_id,
        positions.warehouse_id as to_warehouse_id,
        -- not cast yet: opening_balance_out_of_range reports one that would not fit numeric(10,3)
        positions.current_stock - positions.net_movement as quantity,
        parts.unit_of_measure,
        performers.performer_user_id as performed_by_user_id,
        opening_date.transaction_date,
        format(
            'Opening balance: legacy stock %s minus net migrated movements %s',
            positions.current_stock, positions.net_movement
        ) as notes,
        'opening-balance' as reference_number,
        positions.current_stock,
        positions.net_movement
    from positions
    cross join opening_date
    left join parts on positions.part_id = parts.part_id
    left join performers on positions.organization_id = performers.organization_id
    where positions.current_stock - positions.net_movement <> 0
)

select * from final
