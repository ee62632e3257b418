-- One stock level back into the legacy inventory (one row per organisation
-- and part there): a new row keeps the target's id where there is one.
insert into {legacy}.inventory as dest (
    id, organization_id, part_id, location, current_stock, minimum_stock_recommendation, created_at, updated_at
)
values (
    coalesce(%(inventory_id)s, md5('carried-stock:' || %(org)s || ':' || %(part)s)::uuid),
    %(org)s, %(part)s, %(location)s, %(stock)s, %(minimum)s, now(), coalesce(%(last_updated)s, now())
)
on conflict (organization_id, part_id) do update set
    current_stock = excluded.current_stock,
    updated_at = excluded.updated_at
