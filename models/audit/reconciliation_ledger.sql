-- One row per (warehouse, part) present in the target inventory or ledger:
-- the sum of the ledger's effects (creation/adjustment +to, transfer -from
-- +to, consumption -from) next to inventory.current_stock. Invariant 2: equal.
-- After a cutover, the positions the application's writes touched since are
-- left out (a stock adjustment moves inventory without a ledger row).
with touched as (
    select
        warehouse_id,
        part_id
    from {{ ref('reconciliation_post_cutover_writes') }}
    where warehouse_id is not null
    union
    select
        other_warehouse_id as warehouse_id,
        part_id
    from {{ ref('reconciliation_post_cutover_writes') }}
    where other_warehouse_id is not null
),

effects as (
    select
        to_warehouse_id as warehouse_id,
        part_id,
        quantity as delta
    from {{ ref('transactions') }}
    where to_warehouse_id is not null
    union all
    select
        from_warehouse_id as warehouse_id,
        part_id,
        -quantity as delta
    from {{ ref('transactions') }}
    where from_warehouse_id is not null
),

ledger as (
    select
        warehouse_id,
        part_id,
        sum(delta) as ledger_sum,
        count(*) as ledger_entries
    from effects
    group by warehouse_id, part_id
),

-- summed per position too: a position held by two rows (its unique key gone) shows their sum
inventory as (
    select
        warehouse_id,
        part_id,
        sum(current_stock) as current_stock
    from {{ ref('inventory') }}
    group by warehouse_id, part_id
),

final as (
    select
        coalesce(ledger.warehouse_id, inventory.warehouse_id) as warehouse_id,
        coalesce(ledger.part_id, inventory.part_id) as part_id,
        coalesce(ledger.ledger_sum, 0) as ledger_sum,
        coalesce(ledger.ledger_entries, 0) as ledger_entries,
        coalesce(inventory.current_stock, 0) as current_stock,
        coalesce(ledger.ledger_sum, 0) - coalesce(inventory.current_stock, 0) as difference
    from ledger
    full outer join inventory
        on ledger.warehouse_id = inventory.warehouse_id and ledger.part_id = inventory.part_id
)

select * from final
where not exists (
        select 1 from touched
        where touched.warehouse_id = final.warehouse_id and touched.part_id = final.part_id
    )
