-- Customer order items inserted or changed after the cutover; a fractional
-- quantity has no legacy (integer) equivalent and is left out (listed).
insert into {legacy}.customer_order_items as dest (
    id, customer_order_id, part_id, quantity, unit_price, created_at, updated_at
)
select
    t.id,
    t.customer_order_id,
    t.part_id,
    t.quantity::integer as quantity,
    t.unit_price,
    t.created_at,
    t.updated_at
from carry_back_changes as c
inner join {target}.customer_order_items as t on c.row_id = t.id
where c.table_name = 'customer_order_items' and c.last_op <> 'DELETE' and t.quantity = trunc(t.quantity)
on conflict (id) do update
    set
        customer_order_id = excluded.customer_order_id,
        part_id = excluded.part_id,
        quantity = excluded.quantity,
        unit_price = excluded.unit_price,
        updated_at = excluded.updated_at

returning dest.id::text
