-- The tables of a schema with row-level security on or policies defined:
-- (table_name, enabled, forced, policies).
select
    c.relname as table_name,
    c.relrowsecurity as enabled,
    c.relforcerowsecurity as forced,
    array(
        select p.polname::text
        from pg_policy as p
        where p.polrelid = c.oid
        order by p.polname
    ) as policies
from pg_class as c
where
    c.relnamespace = %(schema)s::regnamespace
    and c.relkind in ('r', 'p')
    and (
        c.relrowsecurity
        or exists (
            select
            from pg_policy as p
            where p.polrelid = c.oid
        )
    )
order by c.relname
