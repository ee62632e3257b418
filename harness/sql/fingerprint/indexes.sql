-- Every index of a schema, its definition without the schema name.
select
    tablename,
    indexname,
    regexp_replace(indexdef, ' ON \S+\.', ' ON ') as definition
from pg_indexes
where schemaname = %(schema)s
order by tablename, indexname
