-- The column grants on the tables of a schema: (table_name, column_name,
-- grantee, privilege, grantable); every column of every table is listed once
-- with null grantee, so a table's columns are known too.
select
    c.relname as table_name,
    att.attname as column_name,
    case when a.grantee = 0 then 'public' else a.grantee::regrole::text end as grantee,
    a.privilege_type,
    a.is_grantable
from pg_class as c
inner join pg_attribute as att on c.oid = att.attrelid and att.attnum > 0 and not att.attisdropped
left join lateral aclexplode(att.attacl) as a on c.relowner <> a.grantee
where
    c.relnamespace = %(schema)s::regnamespace
    and c.relkind in ('r', 'p')
