-- The application's negative-stock trigger fires on UPDATE only, so the
-- migration checks the loaded inventory itself. Returns negative positions.
select
    id,
    warehouse_id,
    part_id,
    current_stock
from {{ ref('inventory') }}
where current_stock < 0
