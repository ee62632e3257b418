-- Invariant 1: every legacy row is accounted for (migrated with its id, or
-- quarantined with a reason), and the target has no legacy-table row that
-- the legacy snapshot did not have. Returns the tables that break it.
{{ config(**check_config('critical',
    'a model lost or invented rows of {value}: do not cut over; report it with the migration report',
    phase='post')) }}

select
    legacy_table as id,
    format(
        '%s: %s in, %s migrated, %s quarantined, %s unaccounted, %s unexpected',
        legacy_table, rows_in, migrated, quarantined, unaccounted, unexpected_in_target
    ) as value
from {{ ref('reconciliation_row_counts') }}
where unaccounted <> 0 or unexpected_in_target <> 0
