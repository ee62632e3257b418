-- Stock adjustments the application recorded after the cutover (its
-- stock-adjustment endpoint writes the row and changes inventory itself, no
-- ledger row): back into legacy stock_adjustments with the same id, on the
-- legacy inventory row of the same organisation and part (the stock levels
-- were carried first, so it exists).
insert into {legacy}.stock_adjustments as dest (
    id, inventory_id, user_id, adjustment_date, quantity_adjusted, reason_code, notes, created_at, updated_at
)
select
    t.id,
    li.id as inventory_id,
    t.user_id,
    t.adjustment_date,
    t.quantity_adjusted::integer as quantity_adjusted,
    t.reason_code,
    t.notes,
    t.created_at,
    t.updated_at
from carry_back_changes as c
inner join {target}.stock_adjustments as t on c.row_id = t.id
inner join {target}.inventory as i on t.inventory_id = i.id
inner join {target}.warehouses as w on i.warehouse_id = w.id
inner join {legacy}.inventory as li on w.organization_id = li.organization_id and i.part_id = li.part_id
inner join {legacy}.users as lu on t.user_id = lu.id
where
    c.table_name = 'stock_adjustments' and c.last_op <> 'DELETE'
    and t.quantity_adjusted = trunc(t.quantity_adjusted)
on conflict (id) do update
    set
        inventory_id = excluded.inventory_id,
        user_id = excluded.user_id,
        adjustment_date = excluded.adjustment_date,
        quantity_adjusted = excluded.quantity_adjusted,
        reason_code = excluded.reason_code,
        notes = excluded.notes,
        updated_at = excluded.updated_at
returning dest.id::text
