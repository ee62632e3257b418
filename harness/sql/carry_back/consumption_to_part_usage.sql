-- Consumption transactions written after the cutover become legacy part
-- usage of the organisation whose warehouse they consumed from.
insert into {legacy}.part_usage (
    id, customer_organization_id, part_id, usage_date, quantity_used, machine_id, recorded_by_user_id, notes,
    created_at, updated_at
)
select
    tr.id,
    w.organization_id,
    tr.part_id,
    tr.transaction_date,
    tr.quantity::integer as quantity_used,
    m.id as machine_id,
    u.id as recorded_by_user_id,
    tr.notes,
    tr.created_at,
    tr.created_at as updated_at
from {target}.transactions as tr
inner join {target}.warehouses as w on tr.from_warehouse_id = w.id
left join {legacy}.machines as m on tr.machine_id = m.id
left join {legacy}.users as u on tr.performed_by_user_id = u.id
where tr.id = any(%(ids)s::uuid[]) and tr.quantity = trunc(tr.quantity)
on conflict (id) do nothing
