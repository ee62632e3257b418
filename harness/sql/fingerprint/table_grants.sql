-- Owner and access list of every table, view and sequence of a schema.
select
    c.relname,
    c.relowner::regrole::text as owner,
    coalesce(c.relacl::text, '') as acl
from pg_class as c
where c.relnamespace = %(schema)s::regnamespace and c.relkind in ('r', 'v', 'S')
order by c.relname
