with source as (
    select * from {{ source('legacy', 'parts') }}
),

renamed as (
    select
        id as part_id,
        part_number,
        name,
        description,
        {{ word_padded('name') }} as name_words,
        {{ word_padded('description') }} as description_words,
        is_proprietary,
        is_consumable,
        manufacturer_delivery_time_days,
        local_supplier_delivery_time_days,
        image_urls,
        created_at,
        updated_at
    from source
)

select * from renamed
