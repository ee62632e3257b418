{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'status': "'active'", 'created_at': 'now()', 'updated_at': 'now()'},
    'indexes': [{'name': 'ix_machines_customer', 'columns': ['customer_organization_id']}],
}}) }}

with machines as (
    select * from {{ ref('int_machines__deduplicated') }}
    where quarantine_reason is null
),

final as (
    select
        machine_id as id,
        organization_id as customer_organization_id,
        model_type::varchar(100) as model_type,
        name::varchar(255) as name,
        serial_number::varchar(255) as serial_number,
        created_at,
        updated_at,
        null::timestamptz as purchase_date,
        null::timestamptz as warranty_expiry_date,
        null::timestamptz as last_maintenance_date,
        null::timestamptz as next_maintenance_date,
        'active'::{{ enum('machinestatus') }} as status,
        null::varchar(255) as location,
        null::text as notes
    from machines
)

select * from final
