-- Invariant 2a: per organisation and part, legacy current_stock equals the
-- migrated inventory plus the quarantined inventory. Returns the pairs that differ.
select *
from {{ ref('reconciliation_stock') }}
where difference <> 0
