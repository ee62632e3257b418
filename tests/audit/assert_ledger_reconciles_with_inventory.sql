-- Invariant 2b: per warehouse and part, the transaction ledger sums to
-- inventory.current_stock. Returns the positions that differ.
select *
from {{ ref('reconciliation_ledger') }}
where difference <> 0
