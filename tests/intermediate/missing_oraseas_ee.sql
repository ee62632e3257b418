-- Exactly one organisation must map to oraseas_ee: suppliers' parent, the
-- ledger's fallback performer and every super admin depend on it.
-- Returns one row when none does.
{{ config(**check_config('critical',
    "name the head company in seeds/organization_overrides.csv (organization_name,organization_type = oraseas ee,oraseas_ee)")) }}

select
    'none' as id,
    'no oraseas_ee organisation' as value
from {{ ref('int_organizations__typed') }}
having count(*) filter (where organization_type = 'oraseas_ee' and quarantine_reason is null) = 0
