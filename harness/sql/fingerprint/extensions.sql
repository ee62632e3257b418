-- The extensions living in a schema.
select
    extname,
    extversion
from pg_extension
where extnamespace = %(schema)s::regnamespace
order by extname
