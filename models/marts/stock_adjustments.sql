{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'adjustment_date': 'now()', 'created_at': 'now()', 'updated_at': 'now()'},
}}) }}

with adjustments as (
    select * from {{ ref('int_stock_adjustments__placed') }}
    where quarantine_reason is null
),

final as (
    select
        stock_adjustment_id as id,
        inventory_id,
        user_id,
        adjustment_date,
        quantity_adjusted::numeric(10, 3) as quantity_adjusted,
        reason_code::varchar(100) as reason_code,
        notes,
        created_at,
        updated_at
    from adjustments
)

select * from final
