-- Default privileges set for a schema: (role, object kind, grantee,
-- privilege, grantable).
select
    d.defaclrole::regrole::text as role,
    d.defaclobjtype::text as object_kind,
    case when a.grantee = 0 then 'public' else a.grantee::regrole::text end as grantee,
    a.privilege_type,
    a.is_grantable
from pg_default_acl as d, aclexplode(d.defaclacl) as a
where d.defaclnamespace = %(schema)s::regnamespace
