{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'is_active': 'true', 'created_at': 'now()', 'updated_at': 'now()'},
}}) }}

-- Built empty: the legacy database has nothing for this table. The
-- contract (machine_model_associations.yml) gives it the application's columns, types
-- and constraints; the post-hook its defaults, indexes and constraint names.
select
    null::uuid as id,
    null::uuid as predictive_model_id,
    null::varchar(100) as machine_model_type,
    null::boolean as is_active,
    null::timestamptz as created_at,
    null::timestamptz as updated_at
where false
