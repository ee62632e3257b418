-- One row per migrated organisation: the user who performs ledger entries
-- that record no user. The earliest active admin (or super_admin) of the
-- organisation, else the earliest super_admin of the oraseas_ee organisation.
-- NULL performer_user_id means no fallback exists: critical only where a
-- ledger row lacks a recorded user (performed_by_fallback_unavailable).
with organizations as (
    select * from {{ ref('int_organizations__typed') }}
    where quarantine_reason is null
),

users as (
    select * from {{ ref('int_users__mapped') }}
    where quarantine_reason is null
),

organization_admins as (
    select distinct on (organization_id)
        organization_id,
        user_id
    from users
    where role in ('admin', 'super_admin') and user_status = 'active'
    order by organization_id, created_at, user_id
),

head_super_admin as (
    select user_id
    from users
    where role = 'super_admin' and organization_type = 'oraseas_ee'
    order by created_at, user_id
    limit 1
),

final as (
    select
        organizations.organization_id,
        organization_admins.user_id as organization_admin_user_id,
        head_super_admin.user_id as head_super_admin_user_id,
        coalesce(organization_admins.user_id, head_super_admin.user_id) as performer_user_id
    from organizations
    left join organization_admins on organizations.organization_id = organization_admins.organization_id
    left join head_super_admin on true
)

select * from final
