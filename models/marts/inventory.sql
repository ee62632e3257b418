{{ config(meta={'finalize': {
    'defaults': {
        'id': 'gen_random_uuid()', 'current_stock': '0', 'minimum_stock_recommendation': '0',
        'last_updated': 'now()', 'created_at': 'now()',
    },
    'indexes': [{'name': 'ix_inventory_warehouse_part', 'columns': ['warehouse_id', 'part_id']}],
    'triggers': ['check_inventory_balance'],
}}) }}

with inventory as (
    select * from {{ ref('int_inventory__by_warehouse') }}
    where quarantine_reason is null
),

final as (
    select
        inventory_id as id,
        warehouse_id,
        part_id,
        current_stock_decimal as current_stock,
        minimum_stock_decimal as minimum_stock_recommendation,
        unit_of_measure::varchar(50) as unit_of_measure,
        reorder_threshold_set_by,
        last_recommendation_update,
        updated_at as last_updated,
        created_at
    from inventory
)

select * from final
