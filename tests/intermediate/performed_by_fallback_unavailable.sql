-- A ledger row that records no user is performed by its acting organisation's
-- fallback (int_performers__fallback: its earliest active admin, else the
-- earliest super_admin of Oraseas EE). Returns one row per organisation whose
-- ledger rows (movements, opening balances) lack a recorded user and have no
-- fallback. Only such a row needs one: a database without them (organisations
-- only, say) has nothing to find.
{{ config(**check_config('critical',
    "{value}: give that organisation an active admin, or an Oraseas EE user the role 'Oraseas Admin' (super_admin; roles map in seeds/user_role_map.csv)")) }}

with movements as (
    select * from {{ ref('int_transactions__movements') }}
),

opening_balances as (
    select * from {{ ref('int_transactions__opening_balances') }}
),

organizations as (
    select * from {{ ref('int_organizations__typed') }}
),

without_performer as (
    select acting_organization_id as organization_id
    from movements
    where performed_by_user_id is null
    union all
    select organization_id
    from opening_balances
    where performed_by_user_id is null
)

select
    without_performer.organization_id::text as id,
    format(
        'organisation %L has %s ledger rows with no recorded user and no admin or Oraseas EE super_admin to perform them',
        organizations.name, count(*)
    ) as value
from without_performer
left join organizations on without_performer.organization_id = organizations.organization_id
group by without_performer.organization_id, organizations.name
