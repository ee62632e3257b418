-- One row per warehouse: one per (organisation, normalised inventory
-- location), named by the most frequent original spelling (ties: the
-- smallest); plus a "Main Warehouse" for every oraseas_ee, bossaqua and
-- customer organisation, and for any organisation a ledger movement or part
-- usage falls back to. Ids are md5('warehouse:' || organisation || ':' || key).
with inventory as (
    select * from {{ ref('int_inventory__by_warehouse') }}
    where quarantine_reason is null
),

organizations as (
    select * from {{ ref('int_organizations__typed') }}
    where quarantine_reason is null
),

movements as (
    select * from {{ ref('int_transactions__movements') }}
),

usage as (
    select * from {{ ref('int_part_usage__placed') }}
    where quarantine_reason is null
),

spelling_counts as (
    select
        organization_id,
        location_key,
        location_spelling,
        count(*) as rows_with_spelling
    from inventory
    group by organization_id, location_key, location_spelling
),

labels as (
    select
        organization_id,
        location_key,
        string_agg(distinct location_label, ', ') as spellings
    from inventory
    group by organization_id, location_key
),

located as (
    select
        organization_id,
        location_key,
        (array_agg(location_spelling order by rows_with_spelling desc, location_spelling collate "C" asc))[1] as name,
        sum(rows_with_spelling) as inventory_rows
    from spelling_counts
    group by organization_id, location_key
),

located_dates as (
    select
        organization_id,
        location_key,
        min(created_at) as created_at,
        max(updated_at) as updated_at
    from inventory
    group by organization_id, location_key
),

main_needed as (
    select
        organization_id,
        'type' as why
    from organizations
    where organization_type in ('oraseas_ee', 'bossaqua', 'customer')
    union
    select
        from_organization_id as organization_id,
        'ledger' as why
    from movements
    where from_is_fallback
    union
    select
        to_organization_id as organization_id,
        'ledger' as why
    from movements
    where to_is_fallback
    union
    select
        customer_organization_id as organization_id,
        'ledger' as why
    from usage
    where placed_in_main_warehouse
),

mains as (
    select distinct
        organization_id,
        'main warehouse' as location_key
    from main_needed
),

all_keys as (
    select
        organization_id,
        location_key
    from located
    union
    select
        organization_id,
        location_key
    from mains
),

final as (
    select
        {{ warehouse_id('all_keys.organization_id', 'all_keys.location_key') }} as warehouse_id,
        all_keys.organization_id,
        all_keys.location_key,
        coalesce(located.name, 'Main Warehouse')::varchar(255) as name,
        case
            when all_keys.location_key = 'main warehouse' then left(organizations.address, 500)
        end::varchar(500) as location,
        case
            when labels.spellings is not null
                then 'Derived from legacy inventory.location ' || labels.spellings
            else 'Default warehouse created by the migration'
        end as description,
        coalesce(located.inventory_rows, 0) as inventory_rows,
        coalesce(located_dates.created_at, organizations.created_at) as created_at,
        greatest(
            coalesce(located_dates.updated_at, organizations.created_at),
            coalesce(located_dates.created_at, organizations.created_at)
        ) as updated_at
    from all_keys
    inner join organizations on all_keys.organization_id = organizations.organization_id
    left join located
        on all_keys.organization_id = located.organization_id
        and all_keys.location_key = located.location_key
    left join labels
        on all_keys.organization_id = labels.organization_id
        and all_keys.location_key = labels.location_key
    left join located_dates
        on all_keys.organization_id = located_dates.organization_id
        and all_keys.location_key = located_dates.location_key
)

select * from final
