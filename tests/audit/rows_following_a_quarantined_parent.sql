-- Rows that are fine themselves but reference a quarantined row: they follow
-- it into the quarantine (mapping-rules.md). Returns them.
{{ config(**check_config('error',
    'fix the parent named in the detail ({value}); its dependants then migrate with it')) }}

select
    detail as value,
    source_table || ':' || source_id::text as id
from {{ ref('migration_quarantine') }}
where reason_code = 'parent_quarantined'
