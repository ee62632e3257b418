-- The stock level per (organisation, part) of every position a post-cutover
-- write touched (an inventory row, or a warehouse of a ledger row): the sum
-- over the organisation's warehouses, with the row to carry it into.
with touched as (
    select
        w.organization_id,
        i.part_id
    from {target}.inventory as i
    inner join {target}.warehouses as w on i.warehouse_id = w.id
    where i.id = any(%(inventory_ids)s::uuid[])
    union
    select
        w.organization_id,
        tr.part_id
    from {target}.transactions as tr
    inner join {target}.warehouses as w on w.id in (tr.from_warehouse_id, tr.to_warehouse_id)
    where tr.id = any(%(transaction_ids)s::uuid[])
)

select
    touched.organization_id,
    touched.part_id,
    coalesce(sum(i.current_stock), 0) as stock,
    coalesce(max(i.minimum_stock_recommendation), 0) as minimum_stock,
    (array_agg(w.name order by i.current_stock desc nulls last, w.name))[1] as location,
    (array_agg(i.id order by i.current_stock desc nulls last, i.id))[1] as inventory_id,
    max(i.last_updated) as last_updated
from touched
left join {target}.warehouses as w on touched.organization_id = w.organization_id
left join {target}.inventory as i on w.id = i.warehouse_id and touched.part_id = i.part_id
group by touched.organization_id, touched.part_id
