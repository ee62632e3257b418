{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'is_recommended': 'false', 'created_at': 'now()', 'updated_at': 'now()'},
}}) }}

-- Built empty: the legacy database has nothing for this table. The
-- contract (machine_part_compatibility.yml) gives it the application's columns, types
-- and constraints; the post-hook its defaults, indexes and constraint names.
select
    null::uuid as id,
    null::uuid as machine_id,
    null::uuid as part_id,
    null::boolean as is_recommended,
    null::text as notes,
    null::timestamptz as created_at,
    null::timestamptz as updated_at
where false
