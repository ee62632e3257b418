-- Customer orders inserted or changed after the cutover (same shape).
insert into {legacy}.customer_orders as dest (
    id, customer_organization_id, oraseas_organization_id, order_date, expected_delivery_date,
    actual_delivery_date, status, ordered_by_user_id, notes, created_at, updated_at
)
select
    t.id,
    t.customer_organization_id,
    t.oraseas_organization_id,
    t.order_date,
    t.expected_delivery_date,
    t.actual_delivery_date,
    t.status,
    t.ordered_by_user_id,
    t.notes,
    t.created_at,
    t.updated_at
from carry_back_changes as c
inner join {target}.customer_orders as t on c.row_id = t.id
where c.table_name = 'customer_orders' and c.last_op <> 'DELETE'
on conflict (id) do update
    set
        customer_organization_id = excluded.customer_organization_id,
        oraseas_organization_id = excluded.oraseas_organization_id,
        order_date = excluded.order_date,
        expected_delivery_date = excluded.expected_delivery_date,
        actual_delivery_date = excluded.actual_delivery_date,
        status = excluded.status,
        ordered_by_user_id = excluded.ordered_by_user_id,
        notes = excluded.notes,
        updated_at = excluded.updated_at

returning dest.id::text
