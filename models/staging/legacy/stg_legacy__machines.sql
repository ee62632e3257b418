with source as (
    select * from {{ source('legacy', 'machines') }}
),

renamed as (
    select
        id as machine_id,
        organization_id,
        model_type,
        name,
        serial_number,
        {{ normalise('serial_number') }} as serial_number_normalised,
        created_at,
        updated_at
    from source
)

select * from renamed
