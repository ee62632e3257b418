{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'created_at': 'now()', 'requires_approval': 'false'},
    'indexes': [
        {'name': 'ix_transactions_date', 'columns': ['transaction_date']},
        {'name': 'ix_transactions_part', 'columns': ['part_id']},
        {'name': 'ix_transactions_warehouse', 'columns': ['from_warehouse_id', 'to_warehouse_id']},
    ],
    'triggers': ['update_inventory_on_transaction'],
}}) }}

-- The ledger: historical movements plus one opening balance per (warehouse,
-- part). Loaded before the application's trigger exists, so nothing is
-- counted twice.
with movements as (
    select * from {{ ref('int_transactions__movements') }}
),

opening_balances as (
    select * from {{ ref('int_transactions__opening_balances') }}
),

ledger as (
    select
        transaction_id,
        transaction_type,
        part_id,
        from_warehouse_id,
        to_warehouse_id,
        machine_id,
        quantity,
        unit_of_measure,
        performed_by_user_id,
        transaction_date,
        notes,
        reference_number,
        created_at
    from movements
    union all
    select
        transaction_id,
        transaction_type,
        part_id,
        null::uuid as from_warehouse_id,
        to_warehouse_id,
        null::uuid as machine_id,
        quantity,
        unit_of_measure,
        performed_by_user_id,
        transaction_date,
        notes,
        reference_number,
        transaction_date as created_at
    from opening_balances
),

final as (
    select
        transaction_id as id,
        transaction_type::{{ enum('transactiontype') }} as transaction_type,
        part_id,
        from_warehouse_id,
        to_warehouse_id,
        machine_id,
        quantity::numeric(10, 3) as quantity,
        unit_of_measure::varchar(50) as unit_of_measure,
        performed_by_user_id,
        transaction_date,
        notes,
        reference_number::varchar(100) as reference_number,
        created_at,
        false as requires_approval,
        null::varchar(50) as approval_status
    from ledger
)

select * from final
