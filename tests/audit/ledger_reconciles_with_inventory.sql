-- Invariant 2b: per warehouse and part, the transaction ledger sums to
-- inventory.current_stock. Returns the positions that differ.
{{ config(**check_config('critical',
    'the ledger does not explain the stock at {value}: do not cut over; report it with the migration report',
    phase='post')) }}

select
    warehouse_id::text || '/' || part_id::text as id,
    format('ledger %s, inventory %s', ledger_sum, current_stock) as value
from {{ ref('reconciliation_ledger') }}
where difference <> 0
