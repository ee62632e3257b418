-- Invariant 1: every legacy row is accounted for — migrated with its id, or
-- quarantined with a reason — and the target has no legacy-table row that
-- the legacy snapshot did not have. Returns the tables that break it.
select *
from {{ ref('reconciliation_row_counts') }}
where unaccounted <> 0 or unexpected_in_target <> 0
