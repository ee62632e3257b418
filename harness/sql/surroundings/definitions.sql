-- The current definition of each object (%(classes)s, %(oids)s: class and oid,
-- side by side), as the DBA would write it again: a view's query, a
-- constraint's, a function's whole CREATE, a trigger's, a policy's
-- expressions, a column default's expression. One row per object that has one.
with wanted as (
    select
        w.classid,
        w.oid
    from unnest(%(classes)s::text[], %(oids)s::oid[]) as w (classid, oid)
)

select
    w.classid,
    w.oid::bigint as oid,
    pg_get_viewdef(c.oid, true) as definition
from wanted as w inner join pg_class as c on w.oid = c.oid
where w.classid = 'pg_class' and c.relkind in ('v', 'm')
union all
select
    w.classid,
    w.oid,
    pg_get_constraintdef(k.oid)
from wanted as w inner join pg_constraint as k on w.oid = k.oid
where w.classid = 'pg_constraint'
union all
select
    w.classid,
    w.oid,
    pg_get_functiondef(p.oid)
from wanted as w inner join pg_proc as p on w.oid = p.oid
where w.classid = 'pg_proc' and p.prokind in ('f', 'p')
union all
select
    w.classid,
    w.oid,
    pg_get_triggerdef(t.oid)
from wanted as w inner join pg_trigger as t on w.oid = t.oid
where w.classid = 'pg_trigger'
union all
select
    w.classid,
    w.oid,
    coalesce('using (' || pg_get_expr(p.polqual, p.polrelid) || ')', '')
    || coalesce(' with check (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')', '')
from wanted as w inner join pg_policy as p on w.oid = p.oid
where w.classid = 'pg_policy'
union all
select
    w.classid,
    w.oid,
    pg_get_expr(d.adbin, d.adrelid)
from wanted as w inner join pg_attrdef as d on w.oid = d.oid
where w.classid = 'pg_attrdef'
