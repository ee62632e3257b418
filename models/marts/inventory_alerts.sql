{{ config(meta={'finalize': {
    'defaults': {'id': 'gen_random_uuid()', 'is_active': 'true', 'created_at': 'now()', 'updated_at': 'now()'},
    'indexes': [
        {'name': 'ix_inventory_alerts_alert_type', 'columns': ['alert_type']},
        {'name': 'ix_inventory_alerts_is_active', 'columns': ['is_active']},
        {'name': 'ix_inventory_alerts_part_id', 'columns': ['part_id']},
        {'name': 'ix_inventory_alerts_severity', 'columns': ['severity']},
        {'name': 'ix_inventory_alerts_warehouse_id', 'columns': ['warehouse_id']},
    ],
}}) }}

-- Built empty: the legacy database has nothing for this table. The
-- contract (inventory_alerts.yml) gives it the application's columns, types
-- and constraints; the post-hook its defaults, indexes and constraint names.
select
    null::uuid as id,
    null::uuid as warehouse_id,
    null::uuid as part_id,
    null::{{ enum('inventoryalerttype') }} as alert_type,
    null::{{ enum('inventoryalertseverity') }} as severity,
    null::numeric(10, 3) as threshold_value,
    null::numeric(10, 3) as current_value,
    null::text as message,
    null::boolean as is_active,
    null::timestamptz as resolved_at,
    null::uuid as resolved_by_user_id,
    null::text as resolution_notes,
    null::timestamptz as created_at,
    null::timestamptz as updated_at
where false
