-- Orders, items, part usage and stock adjustments whose required parent row
-- does not exist (the database no longer enforces the foreign key).
-- Organisations of users, inventory and machines have checks of their own.
{{ config(**check_config('error',
    'restore the missing row ({value}) or delete the orphan; --force quarantines it')) }}

select
    detail as value,
    source_table || ':' || source_id::text as id
from {{ ref('migration_quarantine') }}
where
    reason_code = 'missing_parent'
    and source_table not in ('users', 'inventory', 'machines')
