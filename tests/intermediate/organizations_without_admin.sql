-- Organisations with no admin or super_admin user: migrated, but nobody
-- there can manage users, and the ledger falls back to Oraseas EE's super admin.
{{ config(**check_config('warning',
    "make one user of '{value}' an admin after the migration")) }}

select
    organizations.organization_id::text as id,
    organizations.name as value
from {{ ref('int_organizations__typed') }} as organizations
where
    organizations.quarantine_reason is null
    and not exists (
        select 1 from {{ ref('int_users__mapped') }} as users
        where
            users.organization_id = organizations.organization_id
            and users.role in ('admin', 'super_admin')
            and users.quarantine_reason is null
    )
