-- The dependencies between whole objects where either end lives in one of the
-- schemas %(schemas)s (pg_depend, normal and automatic): a column default,
-- constraint, trigger, rule (a view's query), policy or index counts as its
-- table, a sequence owned by a column as its table, an array or row type as
-- its element or relation, a table's place in a publication as the
-- publication. One row per dependency: the whole object that depends (class,
-- oid, schema, type, identity), the part of it that does (via) and the whole
-- object it depends on. Extension members, and dependencies on schemas,
-- languages and extensions, are left out. Index lookups from the objects of
-- the schemas only: it runs under the swap's locks.
with parts (classid, objid, top_class, top_oid) as (
    -- every catalog row that belongs to a whole object of the schemas, the object itself included
    select
        'pg_class'::regclass,
        c.oid,
        'pg_class'::regclass,
        coalesce(o.refobjid, i.indrelid, c.oid)
    from pg_class as c
    left join pg_index as i on c.oid = i.indexrelid
    left join pg_depend as o
        on
        o.classid = 'pg_class'::regclass
        and c.oid = o.objid
        and o.refclassid = 'pg_class'::regclass
        and o.deptype in ('a', 'i')
        and o.objsubid = 0
        and o.refobjsubid > 0
    where c.relnamespace = any(%(schemas)s::regnamespace[]) and c.relkind <> 't'
    union all
    select
        'pg_proc'::regclass,
        p.oid,
        'pg_proc'::regclass,
        p.oid
    from pg_proc as p
    where p.pronamespace = any(%(schemas)s::regnamespace[])
    union all
    select
        'pg_type'::regclass,
        y.oid,
        case when y.typrelid <> 0 then 'pg_class'::regclass else 'pg_type'::regclass end,
        case when y.typrelid <> 0 then y.typrelid else coalesce(e.oid, y.oid) end
    from pg_type as y
    left join pg_type as e on y.oid = e.typarray
    where y.typnamespace = any(%(schemas)s::regnamespace[])
    union all
    select
        'pg_attrdef'::regclass,
        a.oid,
        'pg_class'::regclass,
        a.adrelid
    from pg_attrdef as a inner join pg_class as c on a.adrelid = c.oid
    where c.relnamespace = any(%(schemas)s::regnamespace[])
    union all
    select
        'pg_constraint'::regclass,
        k.oid,
        case when k.conrelid <> 0 then 'pg_class'::regclass else 'pg_type'::regclass end,
        case when k.conrelid <> 0 then k.conrelid else k.contypid end
    from pg_constraint as k
    where k.connamespace = any(%(schemas)s::regnamespace[])
    union all
    select
        'pg_trigger'::regclass,
        t.oid,
        'pg_class'::regclass,
        t.tgrelid
    from pg_trigger as t inner join pg_class as c on t.tgrelid = c.oid
    where c.relnamespace = any(%(schemas)s::regnamespace[])
    union all
    select
        'pg_rewrite'::regclass,
        r.oid,
        'pg_class'::regclass,
        r.ev_class
    from pg_rewrite as r inner join pg_class as c on r.ev_class = c.oid
    where c.relnamespace = any(%(schemas)s::regnamespace[])
    union all
    select
        'pg_policy'::regclass,
        l.oid,
        'pg_class'::regclass,
        l.polrelid
    from pg_policy as l inner join pg_class as c on l.polrelid = c.oid
    where c.relnamespace = any(%(schemas)s::regnamespace[])
),

found as (
    -- what the parts of the schemas depend on, and what depends on them
    select
        d.classid,
        d.objid,
        d.refclassid,
        d.refobjid,
        p.top_class as from_class,
        p.top_oid as from_oid,
        null::regclass as to_class,
        null::oid as to_oid
    from parts as p inner join pg_depend as d on p.classid = d.classid and p.objid = d.objid
    where d.deptype in ('n', 'a')
    union all
    select
        d.classid,
        d.objid,
        d.refclassid,
        d.refobjid,
        null,
        null,
        p.top_class,
        p.top_oid
    from parts as p inner join pg_depend as d on p.classid = d.refclassid and p.objid = d.refobjid
    where d.deptype in ('n', 'a')
),

edges as (
    -- the other end of each dependency, as a whole object too (hash joins: it runs under the swap's locks)
    select
        f.classid as via_class,
        f.objid as via_oid,
        case
            when f.from_class is not null then f.from_class
            when pf.classid is not null then pf.top_class
            when k.oid is not null and k.conrelid = 0 then 'pg_type'::regclass
            when pr.oid is not null then 'pg_publication'::regclass
            when coalesce(ad.oid, k.oid, tg.oid, rw.oid, po.oid, ix.indexrelid) is not null then 'pg_class'::regclass
            else f.classid::regclass
        end as from_class,
        coalesce(
            f.from_oid,
            pf.top_oid,
            ad.adrelid,
            nullif(k.conrelid, 0),
            k.contypid,
            tg.tgrelid,
            rw.ev_class,
            po.polrelid,
            ix.indrelid,
            pr.prpubid,
            f.objid
        ) as from_oid,
        case
            when f.to_class is not null then f.to_class
            when pt.classid is not null then pt.top_class
            when it.indexrelid is not null then 'pg_class'::regclass
            when ar.oid is not null then 'pg_type'::regclass
            else f.refclassid::regclass
        end as to_class,
        coalesce(f.to_oid, pt.top_oid, it.indrelid, ar.oid, f.refobjid) as to_oid
    from found as f
    left join parts as pf on f.from_class is null and f.classid = pf.classid and f.objid = pf.objid
    left join pg_attrdef as ad on f.from_class is null and f.classid = 'pg_attrdef'::regclass and f.objid = ad.oid
    left join pg_constraint as k on f.from_class is null and f.classid = 'pg_constraint'::regclass and f.objid = k.oid
    left join pg_trigger as tg on f.from_class is null and f.classid = 'pg_trigger'::regclass and f.objid = tg.oid
    left join pg_rewrite as rw on f.from_class is null and f.classid = 'pg_rewrite'::regclass and f.objid = rw.oid
    left join pg_policy as po on f.from_class is null and f.classid = 'pg_policy'::regclass and f.objid = po.oid
    left join pg_index as ix on f.from_class is null and f.classid = 'pg_class'::regclass and f.objid = ix.indexrelid
    left join pg_publication_rel as pr
        on f.from_class is null and f.classid = 'pg_publication_rel'::regclass and f.objid = pr.oid
    left join parts as pt on f.to_class is null and f.refclassid = pt.classid and f.refobjid = pt.objid
    left join pg_index as it on f.to_class is null and f.refclassid = 'pg_class'::regclass and f.refobjid = it.indexrelid
    left join pg_type as ar on f.to_class is null and f.refclassid = 'pg_type'::regclass and f.refobjid = ar.typarray
    where
        f.refclassid not in ('pg_namespace'::regclass, 'pg_language'::regclass, 'pg_extension'::regclass)
        and not exists (
            select 1 from pg_depend as m
            where m.classid = f.classid and m.objid = f.objid and m.deptype = 'e'
        )
),

whole as (
    select distinct e.* from edges as e
    where (e.from_class, e.from_oid) <> (e.to_class, e.to_oid)
)

select
    w.from_class::text as from_class,
    w.from_oid::bigint as from_oid,
    fo.schema as from_schema,
    fo.type as from_type,
    fo.identity as from_identity,
    w.via_class::regclass::text as via_class,
    w.via_oid::bigint as via_oid,
    pg_describe_object(w.via_class, w.via_oid, 0) as via,
    w.to_class::text as to_class,
    w.to_oid::bigint as to_oid,
    t.schema as to_schema,
    t.type as to_type,
    t.identity as to_identity
from whole as w,
    lateral pg_identify_object(w.from_class, w.from_oid, 0) as fo,
    lateral pg_identify_object(w.to_class, w.to_oid, 0) as t
order by 5, 8, 13
