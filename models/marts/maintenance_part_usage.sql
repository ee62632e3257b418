{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'created_at': 'now()'},
}}) }}

-- Built empty: the legacy database has nothing for this table. The
-- contract (maintenance_part_usage.yml) gives it the application's columns, types
-- and constraints; the post-hook its defaults, indexes and constraint names.
select
    null::uuid as id,
    null::uuid as maintenance_id,
    null::uuid as part_id,
    null::numeric(10, 3) as quantity,
    null::uuid as warehouse_id,
    null::text as notes,
    null::timestamptz as created_at
where false
