-- The owner of a schema.
select nspowner::regrole::text as owner
from pg_namespace
where nspname = %(schema)s
