-- What outside schema %(schema)s still depends on one of its tables, or on one of the
-- relations %(bound)s (views that went there with them): a view's or materialized view's
-- query, a foreign key, a SQL-standard function body, a policy, a default. One row per
-- dependent part, with the whole object it belongs to. What the swap checks under its locks
-- once the DBA's SQL ran: index lookups from the schema's relations only.
with refs as (
    select distinct
        d.classid,
        d.objid
    from pg_class as c
    inner join pg_depend as d on d.refclassid = 'pg_class'::regclass and c.oid = d.refobjid
    where
        d.deptype = 'n'
        and ((c.relnamespace = %(schema)s::regnamespace and c.relkind in ('r', 'p', 'f')) or c.oid = any(%(bound)s::oid[]))
),

placed as (
    select
        r.classid,
        r.objid,
        case r.classid
            when 'pg_rewrite'::regclass then 'pg_class'::regclass
            when 'pg_proc'::regclass then 'pg_proc'::regclass
            when 'pg_class'::regclass then 'pg_class'::regclass
            when 'pg_constraint'::regclass
                then (
                    select case when k.conrelid <> 0 then 'pg_class'::regclass else 'pg_type'::regclass end
                    from pg_constraint as k
                    where k.oid = r.objid
                )
            else 'pg_class'::regclass
        end as top_class,
        case r.classid
            when 'pg_rewrite'::regclass
                then (
                    select w.ev_class from pg_rewrite as w
                    where w.oid = r.objid
                )
            when 'pg_constraint'::regclass
                then (
                    select coalesce(nullif(k.conrelid, 0), k.contypid) from pg_constraint as k
                    where k.oid = r.objid
                )
            when 'pg_policy'::regclass
                then (
                    select p.polrelid from pg_policy as p
                    where p.oid = r.objid
                )
            when 'pg_attrdef'::regclass
                then (
                    select a.adrelid from pg_attrdef as a
                    where a.oid = r.objid
                )
            when 'pg_trigger'::regclass
                then (
                    select t.tgrelid from pg_trigger as t
                    where t.oid = r.objid
                )
            else r.objid
        end as top_oid
    from refs as r
    where r.classid <> 'pg_publication_rel'::regclass
)

select
    p.classid::regclass::text as via_class,
    p.objid::bigint as via_oid,
    pg_describe_object(p.classid, p.objid, 0) as via,
    p.top_class::text as from_class,
    p.top_oid::bigint as from_oid,
    o.schema as from_schema,
    o.type as from_type,
    o.identity as from_identity
from placed as p, lateral pg_identify_object(p.top_class, p.top_oid, 0) as o
where o.schema is distinct from %(schema)s
order by 8, 3
