-- Parts inserted or changed after the cutover; a legacy part keeps its
-- is_consumable flag, a new one is consumable when its type is.
insert into {legacy}.parts as dest (
    id, part_number, name, description, is_proprietary, is_consumable, manufacturer_delivery_time_days,
    local_supplier_delivery_time_days, image_urls, created_at, updated_at
)
select
    t.id,
    t.part_number,
    t.name,
    t.description,
    t.is_proprietary,
    coalesce(l.is_consumable, t.part_type::text = 'consumable') as is_consumable,
    t.manufacturer_delivery_time_days,
    t.local_supplier_delivery_time_days,
    t.image_urls,
    t.created_at,
    t.updated_at
from carry_back_changes as c
inner join {target}.parts as t on c.row_id = t.id
left join {legacy}.parts as l on c.row_id = l.id
where c.table_name = 'parts' and c.last_op <> 'DELETE'
on conflict (id) do update
    set
        part_number = excluded.part_number,
        name = excluded.name,
        description = excluded.description,
        is_proprietary = excluded.is_proprietary,
        manufacturer_delivery_time_days = excluded.manufacturer_delivery_time_days,
        local_supplier_delivery_time_days = excluded.local_supplier_delivery_time_days,
        image_urls = excluded.image_urls,
        updated_at = excluded.updated_at

returning dest.id::text
