{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'created_at': 'now()'},
    'indexes': [
        {'name': 'ix_inventory_adjustments_adjustment_date', 'columns': ['adjustment_date']},
        {'name': 'ix_inventory_adjustments_part_id', 'columns': ['part_id']},
        {'name': 'ix_inventory_adjustments_stocktake_id', 'columns': ['stocktake_id']},
        {'name': 'ix_inventory_adjustments_warehouse_id', 'columns': ['warehouse_id']},
    ],
}}) }}

-- Built empty: the legacy database has nothing for this table. The
-- contract (inventory_adjustments.yml) gives it the application's columns, types
-- and constraints; the post-hook its defaults, indexes and constraint names.
select
    null::uuid as id,
    null::uuid as warehouse_id,
    null::uuid as part_id,
    null::numeric(10, 3) as quantity_change,
    null::numeric(10, 3) as previous_quantity,
    null::numeric(10, 3) as new_quantity,
    null::varchar(255) as reason,
    null::text as notes,
    null::uuid as adjusted_by_user_id,
    null::timestamptz as adjustment_date,
    null::uuid as stocktake_id,
    null::uuid as transaction_id,
    null::timestamptz as created_at
where false
