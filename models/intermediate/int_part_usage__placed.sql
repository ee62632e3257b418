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
        case when machines.quarantine_reason is null then machines.machine_id end as machine_id_migrated,
        usage.machine_id is not null
        and (machines.machine_id is null or machines.quarantine_reason is not null) as machine_nulled,
        machines.organization_id as machine_organization_id,
        case when users.quarantine_reason is null then users.user_id end as recorded_by_user_id_migrated,
        usage.recorded_by_user_id is not null
        and (users.user_id is null or users.quarantine_reason is not null) as recorded_by_nulled,
        organizations.organization_id as organization_found,
        organizations.quarantine_reason as organization_quarantine_reason,
        parts.part_id as part_found,
        parts.quarantine_reason as part_quarantine_reason
    from usage
    left join organizations on usage.customer_organization_id = organizations.organization_id
    left join parts on usage.part_id = parts.part_id
    left join machines on usage.machine_id = machines.machine_id
    left join users on usage.recorded_by_user_id = users.user_id
    left join holdings
        on
        usage.customer_organization_id = holdings.organization_id
        and usage.part_id = holdings.part_id
),

checked as (
    select
        *,
        {{ quarantine_columns(
            parent_rules('customer_organization_id', 'organization_found', 'organization_quarantine_reason', 'organisation')
            + parent_rules('part_id', 'part_found', 'part_quarantine_reason', 'part')
            + [{'when': 'quantity_used is null or abs(quantity_used) >= 10000000', 'reason': 'quantity_out_of_range', 'severity': 'error',
               'detail': "format('quantity_used %s does not fit numeric(10,3)', quantity_used)"}]
        ) }}
    from placed
)

select * from checked
