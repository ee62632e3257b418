-- Machines inserted or changed after the cutover (owner column renamed back).
insert into {legacy}.machines as dest (id, organization_id, model_type, name, serial_number, created_at, updated_at)
select
    t.id,
    t.customer_organization_id,
    t.model_type,
    t.name,
    t.serial_number,
    t.created_at,
    t.updated_at
from carry_back_changes as c
inner join {target}.machines as t on c.row_id = t.id
where c.table_name = 'machines' and c.last_op <> 'DELETE'
on conflict (id) do update
    set
        organization_id = excluded.organization_id,
        model_type = excluded.model_type,
        name = excluded.name,
        serial_number = excluded.serial_number,
        updated_at = excluded.updated_at

returning dest.id::text
