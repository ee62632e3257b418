-- The schema's owner and access list (without its comment, which a build's seal writes). No
-- list (NULL) means the default one, compared as that: GRANT then REVOKE back is no change.
select
    nspowner::regrole::text as owner,
    coalesce(nspacl, acldefault('n', nspowner))::text as acl
from pg_namespace
where nspname = %(schema)s
