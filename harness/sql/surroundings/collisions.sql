-- The names the objects %(relations)s, %(types)s and %(functions)s (oids) would
-- take in schema %(schema)s that an object there already has: a relation's
-- (its indexes' and its owned sequences' too), a type's (a relation's row type
-- and every array type too), a function's with the same argument types.
with moving_relations as (
    select c.relname as name from pg_class as c
    where c.oid = any(%(relations)s::oid[])
    union all
    select x.relname from pg_index as i inner join pg_class as x on i.indexrelid = x.oid
    where i.indrelid = any(%(relations)s::oid[])
    union all
    select s.relname from pg_depend as d inner join pg_class as s on d.objid = s.oid
    where
        d.classid = 'pg_class'::regclass
        and d.refclassid = 'pg_class'::regclass
        and d.refobjid = any(%(relations)s::oid[])
        and d.deptype in ('a', 'i')
        and s.relkind = 'S'
),

moving_types as (
    select
        y.typname as name,
        y.typarray
    from pg_type as y
    where y.oid = any(%(types)s::oid[]) or y.typrelid = any(%(relations)s::oid[])
)

select
    'relation' as kind,
    m.name
from moving_relations as m
where exists (
        select 1 from pg_class as c
        where c.relnamespace = %(schema)s::regnamespace and c.relname = m.name
    )
union all
select
    'type',
    n.name
from (
    select m.name from moving_types as m
    union all
    select a.typname from moving_types as m inner join pg_type as a on m.typarray = a.oid
) as n
where exists (
        select 1 from pg_type as y
        where y.typnamespace = %(schema)s::regnamespace and y.typname = n.name
    )
union all
select
    'function',
    p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
from pg_proc as p
where
    p.oid = any(%(functions)s::oid[])
    and exists (
        select 1 from pg_proc as q
        where q.pronamespace = %(schema)s::regnamespace and q.proname = p.proname and q.proargtypes = p.proargtypes
    )
order by 1, 2
