-- The schema's owner and access list (without its comment, which a build's seal writes).
select
    nspowner::regrole::text as owner,
    coalesce(nspacl::text, '') as acl
from pg_namespace
where nspname = %(schema)s
