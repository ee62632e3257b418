with source as (
    select * from {{ source('legacy', 'part_usage') }}
),

renamed as (
    select
        id as part_usage_id,
        customer_organization_id,
        part_id,
        usage_date,
        quantity_used,
        machine_id,
        recorded_by_user_id,
        notes,
        created_at,
        updated_at
    from source
)

select * from renamed
