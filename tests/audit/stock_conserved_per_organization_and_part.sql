-- Invariant 2a: per organisation and part, legacy current_stock equals the
-- migrated inventory plus the quarantined inventory. Returns the pairs that differ.
{{ config(**check_config('critical',
    'stock was lost or created for {value}: do not cut over; report it with the migration report',
    phase='post')) }}

select
    organization_id::text || '/' || part_id::text as id,
    format('legacy %s, migrated %s, quarantined %s', legacy_stock, migrated_stock, quarantined_stock) as value
from {{ ref('reconciliation_stock') }}
where difference <> 0
