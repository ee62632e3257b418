{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'status': "'planned'", 'created_at': 'now()', 'updated_at': 'now()'},
    'indexes': [
        {'name': 'ix_stocktakes_scheduled_date', 'columns': ['scheduled_date']},
        {'name': 'ix_stocktakes_status', 'columns': ['status']},
        {'name': 'ix_stocktakes_warehouse_id', 'columns': ['warehouse_id']},
    ],
}}) }}

-- Built empty: the legacy database has nothing for this table. The
-- contract (stocktakes.yml) gives it the application's columns, types
-- and constraints; the post-hook its defaults, indexes and constraint names.
select
    null::uuid as id,
    null::uuid as warehouse_id,
    null::timestamptz as scheduled_date,
    null::{{ enum('stocktakestatus') }} as status,
    null::text as notes,
    null::uuid as scheduled_by_user_id,
    null::timestamptz as completed_date,
    null::uuid as completed_by_user_id,
    null::timestamptz as created_at,
    null::timestamptz as updated_at
where false
