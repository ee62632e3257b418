-- Every supplier has a parent organisation (also a CHECK constraint; checked
-- here so that post-cutover validation sees it too).
{{ config(**check_config('error',
    "supplier '{value}' has no parent: set parent_organization_id to the oraseas_ee organisation",
    phase='post')) }}

select
    id::text as id,
    name as value
from {{ ref('organizations') }}
where organization_type = 'supplier' and parent_organization_id is null
