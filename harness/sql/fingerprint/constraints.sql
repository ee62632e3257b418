-- Every constraint of a schema, with its definition.
select
    conrelid::regclass::text as relation,
    conname,
    contype,
    pg_get_constraintdef(oid) as definition
from pg_constraint
where connamespace = %(schema)s::regnamespace
order by relation, conname
