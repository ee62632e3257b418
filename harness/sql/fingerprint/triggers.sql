-- Every user trigger of a schema's tables, and whether it is enabled.
select
    c.relname,
    t.tgname,
    t.tgenabled
from pg_trigger as t
inner join pg_class as c on t.tgrelid = c.oid
where c.relnamespace = %(schema)s::regnamespace and not t.tgisinternal
order by c.relname, t.tgname
