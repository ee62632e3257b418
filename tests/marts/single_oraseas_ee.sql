-- Exactly one oraseas_ee organisation in the target (the partial unique index
-- only says "at most one"). Returns a row when the count is not 1.
{{ config(**check_config('critical',
    'the target has {value} oraseas_ee organisations: see missing_oraseas_ee / multiple_oraseas_ee',
    phase='post')) }}

select
    'organizations' as id,
    count(*)::text as value
from {{ ref('organizations') }}
where organization_type = 'oraseas_ee'
having count(*) <> 1
