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
        {{ normalise('legacy_role') }} as legacy_role,
        role_in_oraseas_ee,
        role_elsewhere
    from {{ ref('user_role_map') }}
),

mapped as (
    select
        users.*,
        organizations.organization_type,
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
        case when coalesce(users.is_active, true) then 'active' else 'inactive' end as user_status
    from users
    left join organizations on users.organization_id = organizations.organization_id
    left join role_map on users.legacy_role_normalised = role_map.legacy_role
),

checked as (
    select
        *,
        case
            when not role_is_mapped then 'unmapped_role'
            when organization_quarantine_reason is not null then 'parent_quarantined'
            when {{ clean_text('username') }} is null then 'blank_username'
            when {{ clean_text('email') }} is null then 'blank_email'
            when role = 'super_admin' and organization_type <> 'oraseas_ee' then 'super_admin_outside_oraseas'
        end as quarantine_reason,
        case
            when not role_is_mapped then 'critical'
            when organization_quarantine_reason is not null then 'error'
            when {{ clean_text('username') }} is null then 'error'
            when {{ clean_text('email') }} is null then 'error'
            when role = 'super_admin' and organization_type <> 'oraseas_ee' then 'error'
        end as quarantine_severity,
        case
            when not role_is_mapped
                then format('role %L is not in seeds/user_role_map.csv', legacy_role)
            when organization_quarantine_reason is not null
                then format('organisation %s is quarantined (%s)', organization_id, organization_quarantine_reason)
            when {{ clean_text('username') }} is null then 'username is blank'
            when {{ clean_text('email') }} is null then 'email is blank'
            when role = 'super_admin' and organization_type <> 'oraseas_ee'
                then format('role %L maps to super_admin but the organisation is %s', legacy_role, organization_type)
        end as quarantine_detail
    from mapped
)

select * from checked
