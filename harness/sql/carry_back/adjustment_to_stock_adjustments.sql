-- Adjustment transactions written after the cutover become legacy stock
-- adjustments of the inventory row of their organisation and part.
insert into {legacy}.stock_adjustments (
    id, inventory_id, user_id, adjustment_date, quantity_adjusted, reason_code, notes, created_at, updated_at
)
select
    tr.id,
    li.id as inventory_id,
    tr.performed_by_user_id,
    tr.transaction_date,
    tr.quantity::integer as quantity_adjusted,
    'Other' as reason_code,
    tr.notes,
    tr.created_at,
    tr.created_at as updated_at
from {target}.transactions as tr
inner join {target}.warehouses as w on tr.to_warehouse_id = w.id
inner join {legacy}.inventory as li on w.organization_id = li.organization_id and tr.part_id = li.part_id
inner join {legacy}.users as lu on tr.performed_by_user_id = lu.id
where tr.id = any(%(ids)s::uuid[]) and tr.quantity = trunc(tr.quantity)
on conflict (id) do nothing
