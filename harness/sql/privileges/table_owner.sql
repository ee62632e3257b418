-- The role that owns most of a schema's tables (the application's tables
-- have one owner; the new tables get it).
select
    c.relowner::regrole::text as owner,
    count(*) as tables
from pg_class as c
where c.relnamespace = %(schema)s::regnamespace and c.relkind in ('r', 'p')
group by c.relowner
order by tables desc, owner asc
limit 1
