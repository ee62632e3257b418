{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'timestamp': 'now()', 'risk_level': "'low'"},
}}) }}

-- Built empty: the legacy database has nothing for this table. The
-- contract (security_events.yml) gives it the application's columns, types
-- and constraints; the post-hook its defaults, indexes and constraint names.
select
    null::uuid as id,
    null::uuid as user_id,
    null::varchar(50) as event_type,
    null::varchar(45) as ip_address,
    null::text as user_agent,
    null::varchar(255) as session_id,
    null::text as details,
    null::timestamptz as timestamp,
    null::varchar(20) as risk_level
where false
