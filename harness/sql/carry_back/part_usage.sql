-- Part usage the application recorded after the cutover (its part-usage
-- endpoint writes the row, no ledger row): back into legacy part_usage with
-- the same id. A fractional quantity has no legacy (integer) equivalent, and
-- a machine or user without a legacy row is left NULL there (nullable in
-- legacy); such rows are listed, never dropped.
insert into {legacy}.part_usage as dest (
    id, customer_organization_id, part_id, usage_date, quantity_used, machine_id, recorded_by_user_id, notes,
    created_at, updated_at
)
select
    t.id,
    t.customer_organization_id,
    t.part_id,
    t.usage_date,
    t.quantity::integer as quantity_used,
    m.id as machine_id,
    u.id as recorded_by_user_id,
    t.notes,
    t.created_at,
    t.updated_at
from carry_back_changes as c
inner join {target}.part_usage as t on c.row_id = t.id
inner join {legacy}.organizations as o on t.customer_organization_id = o.id
inner join {legacy}.parts as p on t.part_id = p.id
left join {legacy}.machines as m on t.machine_id = m.id
left join {legacy}.users as u on t.recorded_by_user_id = u.id
where c.table_name = 'part_usage' and c.last_op <> 'DELETE' and t.quantity = trunc(t.quantity)
on conflict (id) do update
    set
        customer_organization_id = excluded.customer_organization_id,
        part_id = excluded.part_id,
        usage_date = excluded.usage_date,
        quantity_used = excluded.quantity_used,
        machine_id = excluded.machine_id,
        recorded_by_user_id = excluded.recorded_by_user_id,
        notes = excluded.notes,
        updated_at = excluded.updated_at
returning dest.id::text
