{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'is_active': 'true', 'created_at': 'now()', 'updated_at': 'now()'},
}}) }}

-- Built empty: the legacy database has nothing for this table. The
-- contract (predictive_maintenance_models.yml) gives it the application's columns, types
-- and constraints; the post-hook its defaults, indexes and constraint names.
select
    null::uuid as id,
    null::varchar(255) as name,
    null::text as description,
    null::varchar(100) as model_type,
    null::varchar(100) as target_metric,
    null::text as features,
    null::text as hyperparameters,
    null::text as performance_metrics,
    null::varchar(50) as version,
    null::boolean as is_active,
    null::timestamptz as created_at,
    null::timestamptz as updated_at,
    null::uuid as created_by_user_id
where false
