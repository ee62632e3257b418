{{ config(meta={'finalize': {
    'defaults': {
        'id': 'gen_random_uuid()', 'status': "'REQUESTED'", 'priority': "'MEDIUM'", 'created_at': 'now()',
        'updated_at': 'now()',
    },
    'indexes': [
        {'name': 'ix_part_order_requests_order_number', 'columns': ['order_number'], 'unique': true},
    ],
}}) }}

-- Built empty: the legacy database has nothing for this table. The
-- contract (part_order_requests.yml) gives it the application's columns, types
-- and constraints; the post-hook its defaults, indexes and constraint names.
select
    null::uuid as id,
    null::varchar(50) as order_number,
    null::uuid as customer_organization_id,
    null::{{ enum('suppliertype') }} as supplier_type,
    null::uuid as supplier_organization_id,
    null::varchar(255) as supplier_name,
    null::{{ enum('orderstatus') }} as status,
    null::{{ enum('orderpriority') }} as priority,
    null::timestamptz as requested_delivery_date,
    null::timestamptz as expected_delivery_date,
    null::timestamptz as actual_delivery_date,
    null::text as notes,
    null::text as fulfillment_notes,
    null::uuid as requested_by_user_id,
    null::uuid as approved_by_user_id,
    null::uuid as received_by_user_id,
    null::timestamptz as created_at,
    null::timestamptz as updated_at
where false
