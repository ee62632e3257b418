{{ config(meta={'finalize': {
    'defaults': {
        'id': 'gen_random_uuid()', 'part_type': "'consumable'", 'is_proprietary': 'false',
        'unit_of_measure': "'pieces'", 'created_at': 'now()', 'updated_at': 'now()',
    },
    'indexes': [{'name': 'ix_parts_part_number', 'columns': ['part_number']}],
}}) }}

with parts as (
    select * from {{ ref('int_parts__classified') }}
    where quarantine_reason is null
),

final as (
    select
        part_id as id,
        part_number::varchar(255) as part_number,
        name::varchar(255) as name,
        description,
        part_type::{{ enum('parttype') }} as part_type,
        is_proprietary,
        unit_of_measure::varchar(50) as unit_of_measure,
        null::varchar(255) as manufacturer_part_number,
        manufacturer_delivery_time_days,
        local_supplier_delivery_time_days,
        image_urls,
        created_at,
        updated_at
    from parts
)

select * from final
