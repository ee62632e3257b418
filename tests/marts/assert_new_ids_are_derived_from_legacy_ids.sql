-- Invariant 3: ids the legacy data does not have are pure functions of it,
-- so a rerun on the same snapshot gives the same ids.
--   warehouses:   md5('warehouse:' || organization_id || ':' || normalised name)
--   transactions: md5(kind || ':' || legacy row id), opening balances
--                 md5('opening-balance:' || warehouse || ':' || part)
-- Returns every new row whose id cannot be recomputed from legacy ids.
with warehouses as (
    select
        id,
        organization_id,
        name
    from {{ ref('warehouses') }}
),

expected_transaction_ids as (
    select md5('consumption:' || id::text)::uuid as id from {{ source('legacy', 'part_usage') }}
    union all
    select md5('adjustment:' || id::text)::uuid from {{ source('legacy', 'stock_adjustments') }}
    union all
    select md5('creation:' || id::text)::uuid from {{ source('legacy', 'supplier_order_items') }}
    union all
    select md5('transfer:' || id::text)::uuid from {{ source('legacy', 'customer_order_items') }}
),

bad_warehouses as (
    select
        'warehouses' as model,
        id
    from warehouses
    where id <> {{ warehouse_id('organization_id', normalise('name')) }}
),

bad_transactions as (
    select
        'transactions' as model,
        transactions.id
    from {{ ref('transactions') }} as transactions
    where
        not (
            transactions.reference_number = 'opening-balance'
            and transactions.id
            = {{ stable_uuid('opening-balance', "transactions.to_warehouse_id::text || ':' || transactions.part_id::text") }}
        )
        and not exists (
            select 1 from expected_transaction_ids as e
            where e.id = transactions.id
        )
)

select * from bad_warehouses
union all
select * from bad_transactions
