-- The union over a schema's tables of what other roles may do on them:
-- (grantee, privilege, grantable); the owner's own rights are left out.
select distinct
    case when a.grantee = 0 then 'public' else a.grantee::regrole::text end as grantee,
    a.privilege_type,
    a.is_grantable
from pg_class as c, aclexplode(c.relacl) as a
where
    c.relnamespace = %(schema)s::regnamespace
    and c.relkind in ('r', 'p')
    and a.grantee <> c.relowner
