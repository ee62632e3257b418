-- super_admin_oraseas_only (a CHECK PostgreSQL cannot express): every
-- super_admin belongs to the oraseas_ee organisation. Returns offenders.
{{ config(**check_config('error',
    'user {value} is a super_admin outside Oraseas EE: change its role',
    phase='post')) }}

select
    users.id::text as id,
    users.username as value
from {{ ref('users') }} as users
inner join {{ ref('organizations') }} as organizations on users.organization_id = organizations.id
where users.role = 'super_admin' and organizations.organization_type <> 'oraseas_ee'
