-- The application's trigger semantics: creation and adjustment set only
-- to_warehouse_id, transfer sets both, consumption sets only
-- from_warehouse_id. Returns the ledger rows that break this.
{{ config(**check_config('critical',
    'a ledger row of type {value} has the wrong warehouse columns: fix the model',
    phase='post')) }}

select
    id::text as id,
    transaction_type::text as value
from {{ ref('transactions') }}
where not (
        (transaction_type in ('creation', 'adjustment') and from_warehouse_id is null and to_warehouse_id is not null)
        or (transaction_type = 'transfer' and from_warehouse_id is not null and to_warehouse_id is not null)
        or (transaction_type = 'consumption' and from_warehouse_id is not null and to_warehouse_id is null)
    )
