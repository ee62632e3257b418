with source as (
    select * from {{ source('legacy', 'customer_order_items') }}
),

renamed as (
    select
        id as customer_order_item_id,
        customer_order_id,
        part_id,
        quantity,
        unit_price,
        created_at,
        updated_at
    from source
)

select * from renamed
