{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'received_quantity': '0', 'created_at': 'now()', 'updated_at': 'now()'},
}}) }}

-- Built empty: the legacy database has nothing for this table. The
-- contract (part_order_items.yml) gives it the application's columns, types
-- and constraints; the post-hook its defaults, indexes and constraint names.
select
    null::uuid as id,
    null::uuid as order_request_id,
    null::uuid as part_id,
    null::numeric(10, 3) as quantity,
    null::numeric(10, 2) as unit_price,
    null::uuid as destination_warehouse_id,
    null::numeric(10, 3) as received_quantity,
    null::text as notes,
    null::timestamptz as created_at,
    null::timestamptz as updated_at
where false
