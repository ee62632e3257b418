-- Supplier orders inserted or changed after the cutover (same shape).
insert into {legacy}.supplier_orders as dest (
    id, ordering_organization_id, supplier_name, order_date, expected_delivery_date, actual_delivery_date,
    status, notes, created_at, updated_at
)
select
    t.id,
    t.ordering_organization_id,
    t.supplier_name,
    t.order_date,
    t.expected_delivery_date,
    t.actual_delivery_date,
    t.status,
    t.notes,
    t.created_at,
    t.updated_at
from carry_back_changes as c
inner join {target}.supplier_orders as t on c.row_id = t.id
where c.table_name = 'supplier_orders' and c.last_op <> 'DELETE'
on conflict (id) do update
    set
        ordering_organization_id = excluded.ordering_organization_id,
        supplier_name = excluded.supplier_name,
        order_date = excluded.order_date,
        expected_delivery_date = excluded.expected_delivery_date,
        actual_delivery_date = excluded.actual_delivery_date,
        status = excluded.status,
        notes = excluded.notes,
        updated_at = excluded.updated_at

returning dest.id::text
