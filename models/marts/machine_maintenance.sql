{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'created_at': 'now()', 'updated_at': 'now()'},
}}) }}

-- Built empty: the legacy database has nothing for this table. The
-- contract (machine_maintenance.yml) gives it the application's columns, types
-- and constraints; the post-hook its defaults, indexes and constraint names.
select
    null::uuid as id,
    null::uuid as machine_id,
    null::timestamptz as maintenance_date,
    null::{{ enum('maintenancetype') }} as maintenance_type,
    null::uuid as performed_by_user_id,
    null::text as description,
    null::numeric(5, 2) as hours_spent,
    null::numeric(10, 2) as cost,
    null::timestamptz as next_maintenance_date,
    null::text as notes,
    null::timestamptz as created_at,
    null::timestamptz as updated_at
where false
