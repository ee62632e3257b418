-- Who may do what on a schema: (grantee, privilege, grantable).
select
    case when a.grantee = 0 then 'public' else a.grantee::regrole::text end as grantee,
    a.privilege_type,
    a.is_grantable
from pg_namespace as n, aclexplode(n.nspacl) as a
where n.nspname = %(schema)s
