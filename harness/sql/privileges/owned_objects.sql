-- The enum types and functions of a schema, as (kind, qualified signature):
-- the objects besides tables whose owner the cutover reproduces.
select
    'type' as kind,
    format('%%I.%%I', n.nspname, t.typname) as signature
from pg_type as t
inner join pg_namespace as n on t.typnamespace = n.oid
where n.nspname = %(schema)s and t.typtype = 'e'
union all
select
    'function' as kind,
    p.oid::regprocedure::text as signature
from pg_proc as p
where p.pronamespace = %(schema)s::regnamespace
order by kind, signature
