{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'is_active': 'true', 'created_at': 'now()', 'updated_at': 'now()'},
}}) }}

with warehouses as (
    select * from {{ ref('int_warehouses__derived') }}
),

final as (
    select
        warehouse_id as id,
        organization_id,
        name,
        location,
        description,
        true as is_active,
        created_at,
        updated_at
    from warehouses
)

select * from final
