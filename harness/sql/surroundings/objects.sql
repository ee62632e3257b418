-- The whole objects of a schema, extension members left out: relations (but
-- indexes), functions, types (but row and array types, and the multirange of a
-- range) and extensions. A sequence owned by a column names its table
-- (owned_by): it goes where the table goes. kind is what ALTER ... SET SCHEMA
-- moves it as; extensions have their own step in the swap.
with members as (
    select
        d.classid,
        d.objid
    from pg_depend as d
    where d.deptype = 'e'
)

select
    'pg_class' as classid,
    c.oid::bigint as oid,
    case c.relkind
        when 'r' then 'table'
        when 'p' then 'table'
        when 'v' then 'view'
        when 'm' then 'materialized view'
        when 'S' then 'sequence'
        when 'f' then 'foreign table'
    end as kind,
    (pg_identify_object('pg_class'::regclass, c.oid, 0)).identity as identity,
    c.relowner::regrole::text as owner,
    (
        select o.refobjid::bigint from pg_depend as o
        where
            o.classid = 'pg_class'::regclass
            and o.objid = c.oid
            and o.refclassid = 'pg_class'::regclass
            and o.deptype in ('a', 'i')
            and o.refobjsubid > 0
        order by o.refobjid
        limit 1
    ) as owned_by
from pg_class as c
where
    c.relnamespace = %(schema)s::regnamespace
    and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
    and ('pg_class'::regclass, c.oid) not in (
        select
            m.classid,
            m.objid
        from members as m
    )
union all
select
    'pg_proc',
    p.oid::bigint,
    case p.prokind when 'p' then 'procedure' when 'a' then 'aggregate' else 'function' end,
    (pg_identify_object('pg_proc'::regclass, p.oid, 0)).identity,
    p.proowner::regrole::text,
    null
from pg_proc as p
where
    p.pronamespace = %(schema)s::regnamespace
    and ('pg_proc'::regclass, p.oid) not in (
        select
            m.classid,
            m.objid
        from members as m
    )
union all
select
    'pg_type',
    y.oid::bigint,
    case y.typtype when 'd' then 'domain' else 'type' end,
    (pg_identify_object('pg_type'::regclass, y.oid, 0)).identity,
    y.typowner::regrole::text,
    null
from pg_type as y
left join pg_class as r on y.typrelid = r.oid
where
    y.typnamespace = %(schema)s::regnamespace
    and y.typtype <> 'm'
    and (y.typrelid = 0 or r.relkind = 'c')
    and not exists (
        select 1 from pg_type as e
        where e.typarray = y.oid
    )
    and ('pg_type'::regclass, y.oid) not in (
        select
            m.classid,
            m.objid
        from members as m
    )
union all
select
    'pg_extension',
    x.oid::bigint,
    'extension',
    quote_ident(x.extname),
    x.extowner::regrole::text,
    null
from pg_extension as x
where x.extnamespace = %(schema)s::regnamespace
order by kind, identity
