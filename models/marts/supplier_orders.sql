{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'created_at': 'now()', 'updated_at': 'now()'},
}}) }}

with orders as (
    select * from {{ ref('int_supplier_orders__checked') }}
    where quarantine_reason is null
),

final as (
    select
        supplier_order_id as id,
        ordering_organization_id,
        supplier_name::varchar(255) as supplier_name,
        order_date,
        expected_delivery_date,
        actual_delivery_date,
        status::varchar(50) as status,
        notes,
        created_at,
        updated_at
    from orders
)

select * from final
