-- Order quantities and values, usage and adjustment quantities: legacy
-- totals = migrated + quarantined. Returns the measures that differ.
{{ config(**check_config('critical',
    'the total {value} changed: do not cut over; report it with the migration report',
    phase='post')) }}

select
    legacy_table || '.' || measure as id,
    format(
        '%s.%s: legacy %s, migrated %s, quarantined %s', legacy_table, measure, legacy_total,
        migrated_total, quarantined_total
    ) as value
from {{ ref('reconciliation_totals') }}
where difference <> 0
