-- Exactly one oraseas_ee organisation (the partial unique index only says
-- "at most one"). Critical: the ledger's fallback performer and every
-- supplier's parent depend on it. Returns a row when the count is not 1.
select count(*) as oraseas_ee_organizations
from {{ ref('organizations') }}
where organization_type = 'oraseas_ee'
having count(*) <> 1
