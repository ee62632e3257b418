{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'is_active': 'true', 'created_at': 'now()', 'updated_at': 'now()'},
}}) }}

-- Built empty: the legacy database has nothing for this table. The
-- contract (maintenance_indicators.yml) gives it the application's columns, types
-- and constraints; the post-hook its defaults, indexes and constraint names.
select
    null::uuid as id,
    null::varchar(255) as name,
    null::text as description,
    null::varchar(100) as indicator_type,
    null::varchar(50) as unit_of_measure,
    null::double precision as threshold_warning,
    null::double precision as threshold_critical,
    null::boolean as is_active,
    null::timestamptz as created_at,
    null::timestamptz as updated_at
where false
