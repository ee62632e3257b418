-- Inventory locations that differ only in case or spacing become one
-- warehouse. Returns one row per merged group with its spellings.
{{ config(**check_config('info',
    'nothing to do if {value} are one place; otherwise rename the locations before migrating')) }}

select
    organization_id::text || ':' || location_key as id,
    string_agg(distinct location_label, ', ') as value
from {{ ref('int_inventory__by_warehouse') }}
where quarantine_reason is null
group by organization_id, location_key
having count(distinct location_label) > 1
