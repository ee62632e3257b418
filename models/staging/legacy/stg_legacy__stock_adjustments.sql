with source as (
    select * from {{ source('legacy', 'stock_adjustments') }}
),

renamed as (
    select
        id as stock_adjustment_id,
        inventory_id,
        user_id,
        adjustment_date,
        quantity_adjusted,
        reason_code,
        notes,
        created_at,
        updated_at
    from source
)

select * from renamed
