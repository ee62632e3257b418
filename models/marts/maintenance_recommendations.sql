{{ config(meta={'finalize': {
    'defaults': {
        'id': 'gen_random_uuid()', 'recommendation_date': 'now()', 'status': "'PENDING'", 'created_at': 'now()',
        'updated_at': 'now()',
    },
}}) }}

-- Built empty: the legacy database has nothing for this table. The
-- contract (maintenance_recommendations.yml) gives it the application's columns, types
-- and constraints; the post-hook its defaults, indexes and constraint names.
select
    null::uuid as id,
    null::uuid as machine_id,
    null::uuid as prediction_id,
    null::timestamptz as recommendation_date,
    null::varchar(50) as recommended_maintenance_type,
    null::{{ enum('maintenancepriority') }} as priority,
    null::timestamptz as recommended_completion_date,
    null::text as description,
    null::{{ enum('maintenancestatus') }} as status,
    null::uuid as resolved_by_maintenance_id,
    null::timestamptz as created_at,
    null::timestamptz as updated_at
where false
