-- Organisations inserted or changed after the cutover, back into the legacy
-- table. The legacy `type` string is kept where the type did not change;
-- otherwise the legacy string the type map reads as that type.
insert into {legacy}.organizations as dest (id, name, type, address, contact_info, created_at, updated_at)
select
    t.id,
    t.name,
    case
        when
            c.first_op <> 'INSERT' and l.type is not null
            and c.first_old ->> 'organization_type' = t.organization_type::text
            then l.type
        when t.organization_type::text = 'oraseas_ee' then 'Warehouse'
        when t.organization_type::text = 'customer' then 'Customer'
        when t.organization_type::text = 'supplier' then 'Supplier'
        when t.organization_type::text = 'bossaqua' then 'Bossaqua'
    end as type,
    t.address,
    t.contact_info,
    t.created_at,
    t.updated_at
from carry_back_changes as c
inner join {target}.organizations as t on c.row_id = t.id
left join {legacy}.organizations as l on c.row_id = l.id
where c.table_name = 'organizations' and c.last_op <> 'DELETE'
on conflict (id) do update
    set
        name = excluded.name,
        type = excluded.type,
        address = excluded.address,
        contact_info = excluded.contact_info,
        updated_at = excluded.updated_at

returning dest.id::text
