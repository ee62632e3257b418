-- At most one organisation may map to oraseas_ee (a partial unique index in
-- the target). Returns every candidate when there are several.
{{ config(**check_config('critical',
    "keep one: give '{value}' and the other extra ones their real type in seeds/organization_overrides.csv")) }}

with candidates as (
    select
        organization_id,
        name,
        count(*) over () as candidates
    from {{ ref('int_organizations__typed') }}
    where organization_type = 'oraseas_ee' and quarantine_reason is null
)

select
    organization_id::text as id,
    name as value
from candidates
where candidates > 1
