-- At most one bossaqua organisation in the target (the partial unique index
-- unique_bossaqua enforces it; checked so post-cutover validation sees it).
{{ config(**check_config('critical',
    'see multiple_bossaqua ({value})',
    phase='post')) }}

with bossaqua as (
    select
        id,
        name,
        count(*) over () as organizations
    from {{ ref('organizations') }}
    where organization_type = 'bossaqua'
)

select
    id::text as id,
    name as value
from bossaqua
where organizations > 1
