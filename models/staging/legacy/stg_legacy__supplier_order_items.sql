with source as (
    select * from {{ source('legacy', 'supplier_order_items') }}
),

renamed as (
    select
        id as supplier_order_item_id,
        supplier_order_id,
        part_id,
        quantity,
        unit_price,
        created_at,
        updated_at
    from source
)

select * from renamed
