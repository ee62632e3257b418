-- What is on the tables %(tables)s besides their rows: columns and their NOT NULL,
-- column defaults, comments, indexes (unique, exclusion or plain; the columns a
-- plain one is on, the columns any other one uses; its definition without its
-- name and schema, to compare with another table's), CHECK constraints, foreign keys to other tables, triggers
-- (but the harness's own and PostgreSQL's internal ones), policies, rules,
-- extended statistics and publications. One row each: (table, type, name,
-- definition, comparable definition, columns).
select
    c.relname as table_name,
    'column' as type,
    a.attname as name,
    format_type(a.atttypid, a.atttypmod) as definition,
    a.attnotnull::text as comparable,
    array[a.attname::text] as columns
from pg_attribute as a
inner join pg_class as c on a.attrelid = c.oid
where a.attrelid = any(%(tables)s::oid[]) and a.attnum > 0 and not a.attisdropped
union all
select
    c.relname,
    'default',
    a.attname,
    pg_get_expr(d.adbin, d.adrelid),
    null,
    array[a.attname::text]
from pg_attrdef as d
inner join pg_class as c on d.adrelid = c.oid
inner join pg_attribute as a on d.adrelid = a.attrelid and d.adnum = a.attnum
where d.adrelid = any(%(tables)s::oid[]) and a.attgenerated = ''
union all
select
    c.relname,
    'comment',
    coalesce(a.attname, c.relname),
    s.description,
    null,
    case when a.attname is null then array[]::text[] else array[a.attname::text] end
from pg_description as s
inner join pg_class as c on s.objoid = c.oid
left join pg_attribute as a on s.objoid = a.attrelid and s.objsubid = a.attnum and s.objsubid > 0
where s.classoid = 'pg_class'::regclass and s.objoid = any(%(tables)s::oid[])
union all
select
    c.relname,
    case
        when i.indisexclusion then 'exclusion index'
        when i.indisunique then 'unique index'
        else 'index'
    end,
    x.relname,
    pg_get_indexdef(i.indexrelid),
    regexp_replace(pg_get_indexdef(i.indexrelid), '^CREATE (UNIQUE )?INDEX \S+ ON (ONLY )?\S+ ', 'CREATE \1INDEX ON '),
    coalesce(
        case
            when i.indexprs is null and i.indpred is null
                then (
                    select array_agg(a.attname::text order by k.n)
                    from unnest(i.indkey) with ordinality as k (attnum, n)
                    inner join pg_attribute as a on a.attrelid = i.indrelid and k.attnum = a.attnum
                    where k.n <= i.indnkeyatts
                )
        end,
        (
            select array_agg(distinct a.attname::text) from pg_depend as d
            inner join pg_attribute as a on d.refobjid = a.attrelid and d.refobjsubid = a.attnum
            where
                d.classid = 'pg_class'::regclass
                and d.objid = i.indexrelid
                and d.refobjid = i.indrelid
                and d.refobjsubid > 0
        )
    )
from pg_index as i
inner join pg_class as c on i.indrelid = c.oid
inner join pg_class as x on i.indexrelid = x.oid
where i.indrelid = any(%(tables)s::oid[])
union all
select
    c.relname,
    case k.contype when 'c' then 'check' else 'foreign key' end,
    k.conname,
    pg_get_constraintdef(k.oid),
    regexp_replace(pg_get_constraintdef(k.oid), ' NOT VALID$', ''),
    (
        select array_agg(a.attname::text order by a.attnum) from pg_attribute as a
        where a.attrelid = k.conrelid and a.attnum = any(k.conkey)
    )
from pg_constraint as k
inner join pg_class as c on k.conrelid = c.oid
where
    k.conrelid = any(%(tables)s::oid[])
    and (k.contype = 'c' or (k.contype = 'f' and not k.confrelid = any(%(tables)s::oid[])))
union all
select
    c.relname,
    'trigger',
    t.tgname,
    pg_get_triggerdef(t.oid),
    null,
    null
from pg_trigger as t
inner join pg_class as c on t.tgrelid = c.oid
where t.tgrelid = any(%(tables)s::oid[]) and not t.tgisinternal and not t.tgname = any(%(harness_triggers)s)
union all
select
    c.relname,
    'policy',
    p.polname,
    coalesce('using (' || pg_get_expr(p.polqual, p.polrelid) || ')', '')
    || coalesce(' with check (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')', ''),
    null,
    null
from pg_policy as p
inner join pg_class as c on p.polrelid = c.oid
where p.polrelid = any(%(tables)s::oid[])
union all
select
    c.relname,
    'rule',
    r.rulename,
    pg_get_ruledef(r.oid),
    null,
    null
from pg_rewrite as r
inner join pg_class as c on r.ev_class = c.oid
where r.ev_class = any(%(tables)s::oid[]) and r.rulename <> '_RETURN'
union all
select
    c.relname,
    'statistics',
    s.stxname,
    pg_get_statisticsobjdef(s.oid),
    null,
    null
from pg_statistic_ext as s
inner join pg_class as c on s.stxrelid = c.oid
where s.stxrelid = any(%(tables)s::oid[])
union all
select
    c.relname,
    'publication',
    p.pubname,
    'publication ' || quote_ident(p.pubname) || ' publishes ' || c.relname,
    null,
    null
from pg_publication_rel as b
inner join pg_publication as p on b.prpubid = p.oid
inner join pg_class as c on b.prrelid = c.oid
where b.prrelid = any(%(tables)s::oid[])
order by 1, 2, 3
