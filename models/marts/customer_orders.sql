{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'created_at': 'now()', 'updated_at': 'now()'},
}}) }}

with orders as (
    select * from {{ ref('int_customer_orders__checked') }}
    where quarantine_reason is null
),

final as (
    select
        customer_order_id as id,
        customer_organization_id,
        oraseas_organization_id,
        order_date,
        expected_delivery_date,
        actual_delivery_date,
        status::varchar(50) as status,
        ordered_by_user_id_migrated as ordered_by_user_id,
        notes,
        created_at,
        updated_at
    from orders
)

select * from final
