-- The legacy tables of a schema with row-level security on or policies
-- defined: (table_name, enabled, forced, owner, owned, owner_is_superuser,
-- policies, bypassed_by). A role bypasses it as a superuser, with BYPASSRLS,
-- or as the table's owner (or a role with its privileges) when it is not
-- forced; bypassed_by is null when its rows would be filtered.
select
    c.relname as table_name,
    c.relrowsecurity as enabled,
    c.relforcerowsecurity as forced,
    c.relowner::regrole::text as owner,
    pg_has_role(c.relowner, 'USAGE') as owned,
    o.rolsuper as owner_is_superuser,
    array(
        select p.polname::text
        from pg_policy as p
        where p.polrelid = c.oid
        order by p.polname
    ) as policies,
    case
        when not c.relrowsecurity then 'not enabled'
        when r.rolsuper then 'superuser'
        when r.rolbypassrls then 'BYPASSRLS'
        when pg_has_role(c.relowner, 'USAGE') and not c.relforcerowsecurity then 'owner without FORCE'
    end as bypassed_by
from pg_class as c
inner join pg_roles as r on r.rolname = current_user
inner join pg_roles as o on c.relowner = o.oid
where
    c.relnamespace = %(schema)s::regnamespace
    and c.relname = any(%(tables)s)
    and (
        c.relrowsecurity
        or exists (
            select
            from pg_policy as p
            where p.polrelid = c.oid
        )
    )
order by array_position(%(tables)s, c.relname::text)
