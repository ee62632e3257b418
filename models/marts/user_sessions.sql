{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'created_at': 'now()', 'last_activity': 'now()', 'is_active': 'true'},
    'indexes': [
        {'name': 'ix_user_sessions_session_token', 'columns': ['session_token'], 'unique': true},
    ],
}}) }}

-- Built empty: the legacy database has nothing for this table. The
-- contract (user_sessions.yml) gives it the application's columns, types
-- and constraints; the post-hook its defaults, indexes and constraint names.
select
    null::uuid as id,
    null::uuid as user_id,
    null::varchar(255) as session_token,
    null::varchar(45) as ip_address,
    null::text as user_agent,
    null::timestamptz as created_at,
    null::timestamptz as last_activity,
    null::timestamptz as expires_at,
    null::boolean as is_active,
    null::varchar(100) as terminated_reason
where false
