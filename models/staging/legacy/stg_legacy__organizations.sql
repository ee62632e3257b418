with source as (
    select * from {{ source('legacy', 'organizations') }}
),

renamed as (
    select
        id as organization_id,
        name,
        {{ normalise('name') }} as name_normalised,
        type as legacy_type,
        {{ normalise('type') }} as legacy_type_normalised,
        address,
        contact_info,
        created_at,
        updated_at
    from source
)

select * from renamed
