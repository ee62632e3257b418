{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'quantity': '1', 'created_at': 'now()', 'updated_at': 'now()'},
}}) }}

-- The application's models win over the Alembic baseline: the column is
-- `quantity` (not quantity_used) and warehouse_id is NOT NULL.
with usage as (
    select * from {{ ref('int_part_usage__placed') }}
    where quarantine_reason is null
),

final as (
    select
        part_usage_id as id,
        customer_organization_id,
        part_id,
        usage_date,
        quantity_used::numeric(10, 3) as quantity,
        machine_id_migrated as machine_id,
        recorded_by_user_id_migrated as recorded_by_user_id,
        notes,
        created_at,
        updated_at,
        warehouse_id
    from usage
)

select * from final
