-- The application's trigger semantics: creation and adjustment set only
-- to_warehouse_id, transfer sets both, consumption sets only
-- from_warehouse_id. Returns the ledger rows that break this.
select
    id,
    transaction_type,
    from_warehouse_id,
    to_warehouse_id
from {{ ref('transactions') }}
where not (
        (transaction_type in ('creation', 'adjustment') and from_warehouse_id is null and to_warehouse_id is not null)
        or (transaction_type = 'transfer' and from_warehouse_id is not null and to_warehouse_id is not null)
        or (transaction_type = 'consumption' and from_warehouse_id is not null and to_warehouse_id is null)
    )
