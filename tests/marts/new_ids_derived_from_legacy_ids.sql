-- Invariant 3: ids the legacy data does not have are pure functions of it,
-- so a rerun on the same snapshot gives the same ids.
--   warehouses:   md5('warehouse:' || organization_id || ':' || normalised name)
--   transactions: md5(kind || ':' || legacy row id), opening balances
--                 md5('opening-balance:' || warehouse || ':' || part)
-- Returns every new row whose id cannot be recomputed from legacy ids.
{{ config(**check_config('critical',
    'a model generates ids another way ({value}): fix the model before cutting over',
    phase='post')) }}

with expected_transaction_ids as (
    select md5('consumption:' || id::text)::uuid as id from {{ source('legacy', 'part_usage') }}
    union all
    select md5('adjustment:' || id::text)::uuid as id from {{ source('legacy', 'stock_adjustments') }}
    union all
    select md5('creation:' || id::text)::uuid as id from {{ source('legacy', 'supplier_order_items') }}
    union all
    select md5('transfer:' || id::text)::uuid as id from {{ source('legacy', 'customer_order_items') }}
),

bad_warehouses as (
    select
        id::text as id,
        'warehouses' as value
    from {{ ref('warehouses') }}
    where id <> {{ warehouse_id('organization_id', normalise('name')) }}
),

bad_transactions as (
    select
        transactions.id::text as id,
        'transactions' as value
    from {{ ref('transactions') }} as transactions
    where
        not (
            transactions.reference_number = 'opening-balance'
            and transactions.id = {{ stable_uuid('opening-balance',
                "transactions.to_warehouse_id::text || ':' || transactions.part_id::text") }}
        )
        and not exists (
            select 1 from expected_transaction_ids as e
            where e.id = transactions.id
        )
)

select * from bad_warehouses
union all
select * from bad_transactions
