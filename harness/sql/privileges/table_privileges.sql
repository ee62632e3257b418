-- What each role may do on each table of a schema: (table_name, owner,
-- grantee, privilege, grantable). The owner holds every privilege of a table
-- (acldefault), whatever its ACL says of it; a table without an ACL grants
-- nothing to anyone else.
select
    c.relname as table_name,
    c.relowner::regrole::text as owner,
    case when a.grantee = 0 then 'public' else a.grantee::regrole::text end as grantee,
    a.privilege_type,
    a.is_grantable
from pg_class as c
cross join lateral aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) as a
where
    c.relnamespace = %(schema)s::regnamespace
    and c.relkind in ('r', 'p')
    and a.grantee <> c.relowner
union all
select
    c.relname as table_name,
    c.relowner::regrole::text as owner,
    c.relowner::regrole::text as grantee,
    a.privilege_type,
    true as is_grantable
from pg_class as c
cross join lateral aclexplode(acldefault('r', c.relowner)) as a
where
    c.relnamespace = %(schema)s::regnamespace
    and c.relkind in ('r', 'p')
