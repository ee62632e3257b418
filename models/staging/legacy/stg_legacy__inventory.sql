with source as (
    select * from {{ source('legacy', 'inventory') }}
),

renamed as (
    select
        id as inventory_id,
        organization_id,
        part_id,
        location,
        -- the warehouse key of mapping-rules.md: blank or NULL is the Main Warehouse
        coalesce({{ normalise('location') }}, 'main warehouse') as location_key,
        coalesce({{ clean_text('location') }}, 'Main Warehouse') as location_spelling,
        -- what the legacy row said, for the warehouse description (blank shown as such)
        case
            when {{ clean_text('location') }} is null then '(blank)'
            else format('%L', {{ clean_text('location') }})
        end as location_label,
        current_stock,
        minimum_stock_recommendation,
        reorder_threshold_set_by,
        last_recommendation_update,
        created_at,
        updated_at
    from source
)

select * from renamed
