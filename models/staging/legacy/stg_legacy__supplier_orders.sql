with source as (
    select * from {{ source('legacy', 'supplier_orders') }}
),

renamed as (
    select
        id as supplier_order_id,
        ordering_organization_id,
        supplier_name,
        order_date,
        expected_delivery_date,
        actual_delivery_date,
        status,
        {{ normalise('status') }} as status_normalised,
        notes,
        created_at,
        updated_at
    from source
)

select * from renamed
