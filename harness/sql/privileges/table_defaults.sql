-- The default privileges on tables a role creates in a schema (or anywhere):
-- (role, grantee, privilege, grantable), the role's own left out.
select
    d.defaclrole::regrole::text as role,
    case when a.grantee = 0 then 'public' else a.grantee::regrole::text end as grantee,
    a.privilege_type,
    a.is_grantable
from pg_default_acl as d
cross join lateral aclexplode(d.defaclacl) as a
where
    d.defaclobjtype = 'r'
    and d.defaclnamespace in (0, %(schema)s::regnamespace)
    and a.grantee <> d.defaclrole
