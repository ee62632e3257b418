-- An inventory row's unit of measure is its part's unit.
{{ config(**check_config('warning',
    'align the unit of inventory row {value} with its part',
    phase='post')) }}

select
    inventory.id::text as id,
    inventory.unit_of_measure || ' vs ' || parts.unit_of_measure as value
from {{ ref('inventory') }} as inventory
inner join {{ ref('parts') }} as parts on inventory.part_id = parts.id
where inventory.unit_of_measure <> parts.unit_of_measure
