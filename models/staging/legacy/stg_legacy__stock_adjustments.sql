-- The table exists only where the application's create_all ran: without it,
-- an empty relation of the same shape.
with source as (
    {%- if source_exists('legacy', 'stock_adjustments') %}
        select * from {{ source('legacy', 'stock_adjustments') }}
    {%- else %}
        select
            null::uuid as id,
            null::uuid as inventory_id,
            null::uuid as user_id,
            null::timestamptz as adjustment_date,
            null::integer as quantity_adjusted,
            null::varchar(100) as reason_code,
            null::text as notes,
            null::timestamptz as created_at,
            null::timestamptz as updated_at
        where false
    {%- endif %}
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
