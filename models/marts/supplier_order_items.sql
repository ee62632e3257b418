{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'quantity': '1', 'created_at': 'now()', 'updated_at': 'now()'},
}}) }}

with items as (
    select * from {{ ref('int_supplier_order_items__checked') }}
    where quarantine_reason is null
),

final as (
    select
        supplier_order_item_id as id,
        supplier_order_id,
        part_id,
        quantity::numeric(10, 3) as quantity,
        unit_price::numeric(10, 2) as unit_price,
        created_at,
        updated_at
    from items
)

select * from final
