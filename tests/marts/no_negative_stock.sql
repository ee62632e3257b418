-- The application's negative-stock trigger fires on UPDATE only, so the
-- migration checks the loaded inventory itself. Returns negative positions.
{{ config(**check_config('error',
    'inventory {value} is negative: correct it with an adjustment',
    phase='post')) }}

select
    id::text as id,
    current_stock::text as value
from {{ ref('inventory') }}
where current_stock < 0
