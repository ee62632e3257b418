-- Non-supplier organisations without any warehouse cannot hold stock.
{{ config(**check_config('warning',
    "create a warehouse for '{value}'",
    phase='post')) }}

select
    organizations.id::text as id,
    organizations.name as value
from {{ ref('organizations') }} as organizations
where
    organizations.organization_type <> 'supplier'
    and not exists (
        select 1 from {{ ref('warehouses') }} as w
        where w.organization_id = organizations.id
    )
