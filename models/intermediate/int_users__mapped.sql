-- One row per legacy user: target role (via seeds/user_role_map.csv, which
-- depends on whether the user's organisation is the oraseas_ee one), status,
-- and why it cannot be migrated, if it cannot.
with users as (
    select * from {{ ref('stg_legacy__users') }}
),

organizations as (
    select * from {{ ref('int_organizations__typed') }}
),

role_map as (
    select
        role_in_oraseas_ee,
        role_elsewhere,
        {{ normalise('legacy_role') }} as legacy_role
    from {{ ref('user_role_map') }}
),

mapped as (
    select
        users.*,
        organizations.organization_type,
        organizations.organization_id as organization_found,
        organizations.quarantine_reason as organization_quarantine_reason,
        role_map.legacy_role is not null as role_is_mapped,
        case
            when organizations.organization_type = 'oraseas_ee' then role_map.role_in_oraseas_ee
            else role_map.role_elsewhere
        end as role,
        -- "Oraseas Admin" outside Oraseas EE: migrated as admin, reported as a warning
        (
            organizations.organization_type is distinct from 'oraseas_ee'
            and role_map.role_in_oraseas_ee is distinct from role_map.role_elsewhere
        ) as role_downgraded,
        case when coalesce(users.is_active, true) then 'active' else 'inactive' end as user_status,
        {{ duplicate_rank('users.username', 'users.user_id') }} as username_rank,
        {{ duplicate_rank('users.email', 'users.user_id') }} as email_rank
    from users
    left join organizations on users.organization_id = organizations.organization_id
    left join role_map on users.legacy_role_normalised = role_map.legacy_role
),

checked as (
    select
        mapped.*,
        {{ quarantine_columns([
            {'when': 'legacy_role_normalised is null', 'reason': 'blank_role', 'severity': 'error',
             'detail': "'role is blank'"},
            {'when': 'not role_is_mapped', 'reason': 'unmapped_role', 'severity': 'critical',
             'detail': "format('role %L is not in seeds/user_role_map.csv', legacy_role)"},
        ] + parent_rules('organization_id', 'organization_found', 'organization_quarantine_reason', 'organisation', 'critical') + [
            {'when': clean_text('username') ~ ' is null', 'reason': 'blank_username', 'severity': 'error',
             'detail': "'username is blank'"},
            {'when': clean_text('email') ~ ' is null', 'reason': 'blank_email', 'severity': 'error',
             'detail': "'email is blank'"},
            {'when': 'username_rank > 1', 'reason': 'duplicate_username', 'severity': 'error',
             'detail': "format('username %L is already used by an earlier user', username)"},
            {'when': 'email_rank > 1', 'reason': 'duplicate_email', 'severity': 'error',
             'detail': "format('email %L is already used by an earlier user', email)"},
            {'when': "role = 'super_admin' and organization_type <> 'oraseas_ee'", 'reason': 'super_admin_outside_oraseas',
             'severity': 'error',
             'detail': "format('role %L maps to super_admin but the organisation is a %s', legacy_role, organization_type)"},
        ]) }}
    from mapped
)

select * from checked
