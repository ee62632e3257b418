-- Two legacy inventory rows for one organisation and part (a live table
-- without its unique constraint can hold them): they would merge into one
-- target row per warehouse and part. Returns every row of such a position.
{{ config(**check_config('error',
    'inventory {value} has another row for the same organisation and part: merge them in the live schema; '
    ~ '--force quarantines the later rows')) }}

with positions as (
    select
        id,
        organization_id,
        part_id,
        count(*) over (partition by organization_id, part_id) as rows_of_position
    from {{ source('legacy', 'inventory') }}
)

select
    id::text as id,
    format('%s (organisation %s, part %s)', id, organization_id, part_id) as value
from positions
where rows_of_position > 1
