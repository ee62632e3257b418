-- What the inventory of schema %(schema)s depends on, summed up: its objects (relations,
-- functions, types: how many, and the sum of their oids, which a dropped and re-created
-- object changes) and what depends on its relations (pg_depend: views, foreign keys,
-- functions, policies, triggers, defaults, indexes, publications) and their comments. The
-- swap reads the inventory before it locks the live tables and this under the locks: the
-- same signature, the same inventory.
select
    (
        select count(*) || ':' || coalesce(sum(c.oid::int8), 0) from pg_class as c
        where c.relnamespace = %(schema)s::regnamespace
    ) as relations,
    (
        select count(*) || ':' || coalesce(sum(p.oid::int8), 0) from pg_proc as p
        where p.pronamespace = %(schema)s::regnamespace
    ) as functions,
    (
        select count(*) || ':' || coalesce(sum(y.oid::int8), 0) from pg_type as y
        where y.typnamespace = %(schema)s::regnamespace
    ) as types,
    (
        select count(*) || ':' || coalesce(sum(d.objid::int8), 0)
        from pg_class as c
        cross join
            lateral (
                select e.objid from pg_depend as e
                where e.refclassid = 'pg_class'::regclass and e.refobjid = c.oid and e.deptype in ('n', 'a')
            ) as d
        where c.relnamespace = %(schema)s::regnamespace
    ) as dependants,
    (
        select count(*) || ':' || coalesce(sum(length(s.description)), 0) from pg_description as s
        inner join pg_class as c on s.objoid = c.oid
        where s.classoid = 'pg_class'::regclass and c.relnamespace = %(schema)s::regnamespace
    ) as comments
