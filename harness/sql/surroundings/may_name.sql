-- Functions whose source text (prosrc: every language but SQL-standard BEGIN
-- ATOMIC bodies, whose dependencies pg_depend records) has one of the names
-- %(names)s as a word: they may name those tables. A match is a warning, never
-- proof, and no match proves nothing (dynamic SQL builds names at run time).
-- The catalogs, extension members and the harness's own schemas (those of the
-- live schema %(live)s: its stage, target, archives and rolled-back targets) are
-- left out.
select
    p.oid::bigint as oid,
    p.pronamespace::regnamespace::text as schema,
    (pg_identify_object('pg_proc'::regclass, p.oid, 0)).identity as identity,
    array_agg(t.name order by t.name) as names
from pg_proc as p
inner join unnest(%(names)s::text[]) as t (name) on p.prosrc ~* ('\m' || t.name || '\M')
where
    p.pronamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
    and p.pronamespace::regnamespace::text not in ('migration_audit', 'migration_backup')
    and p.pronamespace::regnamespace::text !~ ('^' || %(live)s || '_(stage|next|archive_|rolledback_)')
    and p.prolang not in (
        select l.oid from pg_language as l
        where l.lanname in ('internal', 'c')
    )
    and not exists (
        select 1 from pg_depend as d
        where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e'
    )
group by p.oid
order by identity
