{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'created_at': 'now()'},
}}) }}

-- Built empty: the legacy database has nothing for this table. The
-- contract (recommended_parts.yml) gives it the application's columns, types
-- and constraints; the post-hook its defaults, indexes and constraint names.
select
    null::uuid as id,
    null::uuid as recommendation_id,
    null::uuid as part_id,
    null::numeric(10, 3) as quantity,
    null::text as reason,
    null::timestamptz as created_at
where false
