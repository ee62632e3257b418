{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'timestamp': 'now()'},
}}) }}

-- Built empty: the legacy database has nothing for this table. The
-- contract (invitation_audit_logs.yml) gives it the application's columns, types
-- and constraints; the post-hook its defaults, indexes and constraint names.
select
    null::uuid as id,
    null::uuid as user_id,
    null::varchar(50) as action,
    null::uuid as performed_by_user_id,
    null::timestamptz as timestamp,
    null::text as details
where false
