with source as (
    select * from {{ source('legacy', 'customer_orders') }}
),

renamed as (
    select
        id as customer_order_id,
        customer_organization_id,
        oraseas_organization_id,
        order_date,
        expected_delivery_date,
        actual_delivery_date,
        status,
        {{ normalise('status') }} as status_normalised,
        ordered_by_user_id,
        notes,
        created_at,
        updated_at
    from source
)

select * from renamed
