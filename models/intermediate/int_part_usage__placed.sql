-- One row per legacy part usage, placed in the warehouse of the customer that
-- holds the part, else the customer's Main Warehouse. A quarantined machine
-- or recording user is set NULL (nullable references) and reported.
with usage as (
    select * from {{ ref('stg_legacy__part_usage') }}
),

organizations as (
    select * from {{ ref('int_organizations__typed') }}
),

parts as (
    select * from {{ ref('int_parts__classified') }}
),

machines as (
    select * from {{ ref('int_machines__deduplicated') }}
),

users as (
    select * from {{ ref('int_users__mapped') }}
),

holdings as (
    select * from {{ ref('int_inventory__holdings') }}
),

placed as (
    select
        usage.*,
        coalesce(
            holdings.warehouse_id,
            {{ warehouse_id('usage.customer_organization_id', "'main warehouse'") }}
        ) as warehouse_id,
        holdings.warehouse_id is null as placed_in_main_warehouse,
        parts.unit_of_measure,
        case when machines.quarantine_reason is null then usage.machine_id end as machine_id_migrated,
        machines.quarantine_reason is not null as machine_nulled,
        case when users.quarantine_reason is null then usage.recorded_by_user_id end as recorded_by_user_id_migrated,
        users.quarantine_reason is not null as recorded_by_nulled,
        organizations.quarantine_reason as organization_quarantine_reason,
        parts.quarantine_reason as part_quarantine_reason
    from usage
    left join organizations on usage.customer_organization_id = organizations.organization_id
    left join parts on usage.part_id = parts.part_id
    left join machines on usage.machine_id = machines.machine_id
    left join users on usage.recorded_by_user_id = users.user_id
    left join holdings
        on usage.customer_organization_id = holdings.organization_id
        and usage.part_id = holdings.part_id
),

checked as (
    select
        *,
        case
            when organization_quarantine_reason is not null or part_quarantine_reason is not null
                then 'parent_quarantined'
        end as quarantine_reason,
        case
            when organization_quarantine_reason is not null or part_quarantine_reason is not null then 'error'
        end as quarantine_severity,
        case
            when organization_quarantine_reason is not null
                then format(
                        'organisation %s is quarantined (%s)', customer_organization_id,
                        organization_quarantine_reason
                    )
            when part_quarantine_reason is not null
                then format('part %s is quarantined (%s)', part_id, part_quarantine_reason)
        end as quarantine_detail
    from placed
)

select * from checked
