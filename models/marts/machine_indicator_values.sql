{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'created_at': 'now()'},
    'indexes': [
        {'name': 'ix_machine_indicator_values_indicator_id', 'columns': ['indicator_id']},
        {'name': 'ix_machine_indicator_values_machine_id', 'columns': ['machine_id']},
    ],
}}) }}

-- Built empty: the legacy database has nothing for this table. The
-- contract (machine_indicator_values.yml) gives it the application's columns, types
-- and constraints; the post-hook its defaults, indexes and constraint names.
select
    null::uuid as id,
    null::uuid as machine_id,
    null::uuid as indicator_id,
    null::double precision as value,
    null::timestamptz as recorded_at,
    null::uuid as recorded_by_user_id,
    null::text as notes,
    null::timestamptz as created_at
where false
