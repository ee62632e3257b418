-- The schema itself: owner, access list and comment.
select
    nspowner::regrole::text as owner,
    coalesce(nspacl::text, '') as acl,
    coalesce(obj_description(oid, 'pg_namespace'), '') as comment
from pg_namespace
where nspname = %(schema)s
