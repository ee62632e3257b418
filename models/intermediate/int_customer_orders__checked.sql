-- One row per legacy customer order. A quarantined ordering user does not
-- quarantine the order: the nullable reference is set NULL and reported.
with orders as (
    select * from {{ ref('stg_legacy__customer_orders') }}
),

organizations as (
    select * from {{ ref('int_organizations__typed') }}
),

users as (
    select * from {{ ref('int_users__mapped') }}
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
        case when users.quarantine_reason is null then users.user_id end as ordered_by_user_id_migrated,
        orders.ordered_by_user_id is not null
        and (users.user_id is null or users.quarantine_reason is not null) as ordered_by_nulled,
        {{ quarantine_columns(
            parent_rules('orders.customer_organization_id', 'customers.organization_id', 'customers.quarantine_reason',
                'customer organisation')
            + parent_rules('orders.oraseas_organization_id', 'sellers.organization_id', 'sellers.quarantine_reason',
                'selling organisation')
        ) }}
    from orders
    left join organizations as customers on orders.customer_organization_id = customers.organization_id
    left join organizations as sellers on orders.oraseas_organization_id = sellers.organization_id
    left join users on orders.ordered_by_user_id = users.user_id
    left join statuses on orders.status_normalised = statuses.legacy_status
)

select * from checked
