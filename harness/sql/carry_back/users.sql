-- Users inserted or changed after the cutover. The legacy role string is kept
-- where role and organisation did not change; otherwise the legacy string the
-- role map reads as the new role in that kind of organisation.
insert into {legacy}.users as dest (
    id, organization_id, username, password_hash, email, name, role, created_at, updated_at
)
select
    t.id,
    t.organization_id,
    t.username,
    t.password_hash,
    t.email,
    t.name,
    case
        when
            c.first_op <> 'INSERT' and l.role is not null
            and c.first_old ->> 'role' = t.role::text
            and c.first_old ->> 'organization_id' = t.organization_id::text
            then l.role
        when t.role::text = 'super_admin' then 'Oraseas Admin'
        when t.role::text = 'admin' and o.organization_type::text = 'oraseas_ee' then 'Oraseas Inventory Manager'
        when t.role::text = 'admin' then 'Customer Admin'
        when o.organization_type::text = 'supplier' then 'Supplier User'
        else 'Customer User'
    end as role,
    t.created_at,
    t.updated_at
from carry_back_changes as c
inner join {target}.users as t on c.row_id = t.id
left join {legacy}.users as l on c.row_id = l.id
left join {target}.organizations as o on t.organization_id = o.id
where c.table_name = 'users' and c.last_op <> 'DELETE'
on conflict (id) do update
    set
        organization_id = excluded.organization_id,
        username = excluded.username,
        password_hash = excluded.password_hash,
        email = excluded.email,
        name = excluded.name,
        role = excluded.role,
        updated_at = excluded.updated_at

returning dest.id::text
