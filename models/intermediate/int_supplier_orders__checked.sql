-- One row per legacy supplier order: delivered or not (seeds/order_status_map.csv)
-- and why it cannot be migrated, if it cannot.
with orders as (
    select * from {{ ref('stg_legacy__supplier_orders') }}
),

organizations as (
    select * from {{ ref('int_organizations__typed') }}
),

statuses as (
    select
        {{ normalise('legacy_status') }} as legacy_status,
        is_delivered
    from {{ ref('order_status_map') }}
),

checked as (
    select
        orders.*,
        statuses.legacy_status is not null as status_is_mapped,
        coalesce(statuses.is_delivered, false) as is_delivered,
        {{ quarantine_columns(parent_rules(
            'orders.ordering_organization_id', 'organizations.organization_id', 'organizations.quarantine_reason',
            'ordering organisation'
        )) }}
    from orders
    left join organizations on orders.ordering_organization_id = organizations.organization_id
    left join statuses on orders.status_normalised = statuses.legacy_status
)

select * from checked
