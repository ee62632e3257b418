{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'created_at': 'now()', 'updated_at': 'now()'},
    'indexes': [
        {'name': 'ix_stocktake_items_part_id', 'columns': ['part_id']},
        {'name': 'ix_stocktake_items_stocktake_id', 'columns': ['stocktake_id']},
    ],
}}) }}

-- Built empty: the legacy database has nothing for this table. The
-- contract (stocktake_items.yml) gives it the application's columns, types
-- and constraints; the post-hook its defaults, indexes and constraint names.
-- The foreign key to stocktakes is an expression in the contract (a `to:`
-- cannot say ON DELETE CASCADE), so the dependency is declared here:
-- depends_on: {{ ref('stocktakes') }}
select
    null::uuid as id,
    null::uuid as stocktake_id,
    null::uuid as part_id,
    null::numeric(10, 3) as expected_quantity,
    null::numeric(10, 3) as actual_quantity,
    null::timestamptz as counted_at,
    null::uuid as counted_by_user_id,
    null::text as notes,
    null::timestamptz as created_at,
    null::timestamptz as updated_at
where false
